//! Output formats of `ozinstant analyze`: a human table, one JSON document, JSON lines and CSV.
//!
//! A video or shot set is one result like a photo; its `sequence` section (every sampled frame,
//! the aggregation and the best shot) is carried whole by `json` and `jsonl`, summed up by the
//! table's `FRAMES` column and by the last CSV columns.
//!
//! Results reach [`Output::push`] in input order. `jsonl` and `csv` are streamed (written and
//! flushed as each result arrives); `table` and `json` need every result first (column widths,
//! one document) and are written by [`Output::finish`].

use std::borrow::Cow;
use std::io::{self, Write};
use std::time::Duration;

use ozinstant::models::ModelVersion;
use ozinstant::report::{BiometryReport, Face, SCHEMA_VERSION, SequenceKind, SequenceReport};
use ozinstant::{MediaResult, Resolution};
use serde::Serialize;

/// Output format selected with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned human-readable table, one row per file, then a summary line.
    #[default]
    Table,
    /// One pretty-printed JSON document with every result, the models and a summary.
    Json,
    /// One JSON object (a `MediaResult`) per file and line.
    Jsonl,
    /// CSV with a header row and one row per file.
    Csv,
}

/// Counts of outcomes. The four outcome counts are disjoint and add up to `files`: `failed`
/// counts analysed media without a verdict (no face, several faces, low quality) and `errors`
/// the media that could not be analysed (they carry an `error` object).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Files reported.
    pub files: usize,
    /// `SUCCESS` results (live).
    pub success: usize,
    /// `DECLINED` results (attacks).
    pub declined: usize,
    /// `FAILED` results of analysed media.
    pub failed: usize,
    /// `OPERATOR_REQUIRED` results (inside the review band).
    pub review: usize,
    /// Media that could not be analysed.
    pub errors: usize,
}

impl Summary {
    /// Counts one result.
    pub fn add(&mut self, r: &MediaResult) {
        self.files += 1;
        if r.error.is_some() {
            self.errors += 1;
            return;
        }
        match r.resolution {
            Resolution::Success => self.success += 1,
            Resolution::Declined => self.declined += 1,
            Resolution::Failed => self.failed += 1,
            Resolution::OperatorRequired => self.review += 1,
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = |n: usize| if n == 1 { "" } else { "s" };
        write!(f, "{} file{}: {} success, {} declined, ", self.files, s(self.files), self.success, self.declined)?;
        // Only with a review band: the line is unchanged for everyone else.
        if self.review > 0 {
            write!(f, "{} operator required, ", self.review)?;
        }
        write!(f, "{} failed, {} error{}", self.failed, self.errors, s(self.errors))
    }
}

/// Writes results in the selected format.
pub struct Output<W: Write> {
    format: Format,
    w: W,
    color: bool,
    summary: Summary,
    buffered: Vec<MediaResult>,
    sources: Vec<String>,
    request: Option<RequestPart>,
    signer: Option<crate::attest::Signer>,
}

/// What `analyze --request` adds after the media results.
struct RequestPart {
    request_id: String,
    resolution: Resolution,
    biometry: Option<BiometryReport>,
}

impl<W: Write> Output<W> {
    /// An output writing `format` to `w`; `color` enables ANSI colours in the table.
    pub fn new(format: Format, w: W, color: bool) -> Self {
        Output {
            format,
            w,
            color,
            summary: Summary::default(),
            buffered: Vec::new(),
            sources: Vec::new(),
            request: None,
            signer: None,
        }
    }

    /// Signs the `--format json` document with `signer` (the media results are signed already).
    pub fn with_signer(mut self, signer: Option<crate::attest::Signer>) -> Self {
        self.signer = signer;
        self
    }

    /// `analyze --request`: the request's id, folder resolution and biometry section, after the
    /// last media result. `jsonl` writes the biometry section as one more line (an object with
    /// `"analysis": "biometry"`), `csv` as a second table after a blank line (one row per pair).
    pub fn set_request(
        &mut self,
        request_id: &str,
        resolution: Resolution,
        biometry: Option<BiometryReport>,
    ) -> io::Result<()> {
        if let Some(b) = &biometry {
            match self.format {
                Format::Jsonl => {
                    serde_json::to_writer(&mut self.w, b)?;
                    self.w.write_all(b"\n")?;
                }
                Format::Csv => write_biometry_csv(&mut self.w, b, &self.sources)?,
                Format::Table | Format::Json => {}
            }
        }
        self.request = Some(RequestPart { request_id: request_id.to_owned(), resolution, biometry });
        Ok(())
    }

    /// Counts so far.
    pub fn summary(&self) -> Summary {
        self.summary
    }

    /// Writes what comes before the first result (the CSV header).
    pub fn begin(&mut self) -> io::Result<()> {
        if self.format == Format::Csv {
            writeln!(self.w, "{}", CSV_HEADER.join(","))?;
            self.w.flush()?;
        }
        Ok(())
    }

    /// Adds the next result, in input order.
    pub fn push(&mut self, r: MediaResult) -> io::Result<()> {
        self.summary.add(&r);
        self.sources.push(r.source.clone().unwrap_or_default());
        match self.format {
            Format::Jsonl => {
                serde_json::to_writer(&mut self.w, &r)?;
                self.w.write_all(b"\n")?;
                self.w.flush()
            }
            Format::Csv => {
                write_csv_row(&mut self.w, &r)?;
                self.w.flush()
            }
            Format::Table | Format::Json => {
                self.buffered.push(r);
                Ok(())
            }
        }
    }

    /// Writes what comes after the last result (the table, the JSON document) and flushes.
    pub fn finish(&mut self, models: &[ModelVersion], wall: Duration) -> io::Result<()> {
        match self.format {
            Format::Table => {
                write_table(&mut self.w, &self.buffered, &self.summary, wall, self.color)?;
                if let Some(RequestPart { request_id, resolution, biometry }) = &self.request {
                    writeln!(self.w, "request {request_id}: {}", resolution.as_str())?;
                    if let Some(b) = biometry {
                        write_biometry_table(&mut self.w, b, &self.sources)?;
                    }
                }
            }
            Format::Json => {
                let req = self.request.as_ref();
                let mut doc = JsonDocument {
                    schema_version: SCHEMA_VERSION,
                    request_id: req.map(|r| r.request_id.as_str()),
                    resolution: req.map(|r| r.resolution),
                    results: &self.buffered,
                    biometry: req.and_then(|r| r.biometry.as_ref()),
                    models,
                    engine_version: env!("CARGO_PKG_VERSION"),
                    summary: &self.summary,
                    attestation: None,
                };
                if let Some(signer) = &self.signer {
                    doc.attestation = Some(signer.sign_document(&doc, models)?);
                }
                serde_json::to_writer_pretty(&mut self.w, &doc)?;
                self.w.write_all(b"\n")?;
            }
            Format::Jsonl | Format::Csv => {}
        }
        self.w.flush()
    }
}

/// The `--format json` document.
#[derive(Serialize)]
struct JsonDocument<'a> {
    schema_version: &'a str,
    /// `--request` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    /// `--request` only: the folder resolution (media and biometry).
    #[serde(skip_serializing_if = "Option::is_none")]
    resolution: Option<Resolution>,
    results: &'a [MediaResult],
    /// `--request` with biometry only.
    #[serde(skip_serializing_if = "Option::is_none")]
    biometry: Option<&'a BiometryReport>,
    models: &'a [ModelVersion],
    engine_version: &'a str,
    summary: &'a Summary,
    /// With a signing key: the signature over this whole document (each result keeps its own).
    #[serde(skip_serializing_if = "Option::is_none")]
    attestation: Option<ozinstant::Attestation>,
}

/// The face the verdict is about (the analysed one, else the first reported).
fn main_face(r: &MediaResult) -> Option<&Face> {
    r.faces.iter().find(|f| f.analysed).or_else(|| r.faces.first())
}

// ---------------------------------------------------------------------------------------------
// CSV

/// Columns of `--format csv`. New columns are only ever appended, so that readers going by
/// position keep working: the last seven (since schema 1.2) describe videos and shot sets:
///
/// * `kind`: `image`, `video`, `shot_set` or `frames`; empty when the file could not be
///   analysed (`error_code` set);
/// * `frames_total`, `frames_sampled`, `frames_usable`: frames in the media, analysed, and with
///   one good face and a score (the verdict is the median score of the usable ones);
/// * `best_frame`, `best_timestamp_ms`, `best_name`: the best shot's index in the media, its
///   time (videos) or entry name (shot sets); empty without a usable frame.
///
/// Every sequence column is empty on photo rows.
pub const CSV_HEADER: &[&str] = &[
    "source",
    "request_id",
    "resolution",
    "reason",
    "confidence_spoofing",
    "face_x",
    "face_y",
    "face_w",
    "face_h",
    "face_score",
    "quality_failed",
    "total_ms",
    "error_code",
    "kind",
    "frames_total",
    "frames_sampled",
    "frames_usable",
    "best_frame",
    "best_timestamp_ms",
    "best_name",
];

/// `kind` of a result: `image`, the sequence kind, or `None` when the file was not analysed.
fn media_kind(r: &MediaResult) -> Option<&'static str> {
    match &r.sequence {
        Some(s) => Some(match s.kind {
            SequenceKind::Video => "video",
            SequenceKind::ShotSet => "shot_set",
            SequenceKind::Frames => "frames",
        }),
        None if r.error.is_some() => None,
        None => Some("image"),
    }
}

/// Quotes a CSV field when it holds a comma, a double quote, CR or LF (RFC 4180); double quotes
/// inside are doubled.
pub fn csv_field(s: &str) -> Cow<'_, str> {
    if s.contains([',', '"', '\r', '\n']) {
        Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(s)
    }
}

fn opt_num(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn write_csv_row(w: &mut impl Write, r: &MediaResult) -> io::Result<()> {
    let face = main_face(r);
    let seq = r.sequence.as_ref();
    let best = seq.and_then(|s| s.best_shot.as_ref());
    let fields: [String; 20] = [
        r.source.clone().unwrap_or_default(),
        r.request_id.clone(),
        r.resolution.as_str().to_owned(),
        r.reason.map(|x| x.as_str().to_owned()).unwrap_or_default(),
        opt_num(r.confidence_spoofing),
        opt_num(face.map(|f| f.bbox.x)),
        opt_num(face.map(|f| f.bbox.y)),
        opt_num(face.map(|f| f.bbox.width)),
        opt_num(face.map(|f| f.bbox.height)),
        opt_num(face.map(|f| f.score)),
        r.quality.as_ref().map(|q| q.failed.join(";")).unwrap_or_default(),
        r.timings.total_ms.to_string(),
        r.error.as_ref().map(|e| e.code.clone()).unwrap_or_default(),
        media_kind(r).unwrap_or_default().to_owned(),
        seq.map(|s| s.total_frames.to_string()).unwrap_or_default(),
        seq.map(|s| s.sampled.to_string()).unwrap_or_default(),
        seq.map(|s| s.usable.to_string()).unwrap_or_default(),
        best.map(|b| b.index.to_string()).unwrap_or_default(),
        best.and_then(|b| b.timestamp_ms).map(|t| t.to_string()).unwrap_or_default(),
        best.and_then(|b| b.name.clone()).unwrap_or_default(),
    ];
    let line: Vec<Cow<'_, str>> = fields.iter().map(|f| csv_field(f)).collect();
    writeln!(w, "{}", line.join(","))
}

/// Columns of the biometry table `--request --format csv` writes after the media rows.
pub const CSV_BIOMETRY_HEADER: &[&str] =
    &["pair_a", "pair_b", "source_a", "source_b", "similarity", "cosine", "threshold", "least_similar", "resolution"];

fn write_biometry_csv(w: &mut impl Write, b: &BiometryReport, sources: &[String]) -> io::Result<()> {
    writeln!(w)?;
    writeln!(w, "{}", CSV_BIOMETRY_HEADER.join(","))?;
    let src = |i: usize| sources.get(i).map(String::as_str).unwrap_or_default();
    let least = b.least_similar.as_ref().map(|p| (p.a, p.b));
    for p in &b.pairs {
        let fields = [
            p.a.to_string(),
            p.b.to_string(),
            src(p.a).to_owned(),
            src(p.b).to_owned(),
            p.similarity.to_string(),
            p.cosine.to_string(),
            b.threshold.to_string(),
            (least == Some((p.a, p.b))).to_string(),
            b.resolution.as_str().to_owned(),
        ];
        let line: Vec<Cow<'_, str>> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(w, "{}", line.join(","))?;
    }
    if b.pairs.is_empty() {
        let reason = b.reason.and_then(|r| serde_json::to_value(r).ok()).and_then(|v| v.as_str().map(str::to_owned));
        let reason = reason.unwrap_or_default();
        writeln!(w, ",,,,,,{},,{}/{}", b.threshold, b.resolution.as_str(), reason)?;
    }
    w.flush()
}

fn write_biometry_table(w: &mut impl Write, b: &BiometryReport, sources: &[String]) -> io::Result<()> {
    let name = |i: usize| shorten(sources.get(i).map(String::as_str).unwrap_or("-"), MAX_FILE_WIDTH).into_owned();
    let verdict = match b.reason {
        Some(r) => format!(
            "{}/{}",
            b.resolution.as_str(),
            serde_json::to_value(r).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
        ),
        None => b.resolution.as_str().to_owned(),
    };
    writeln!(w, "biometry: {verdict} (threshold {})", b.threshold)?;
    for p in &b.pairs {
        let mark =
            if b.least_similar.as_ref().is_some_and(|l| (l.a, l.b) == (p.a, p.b)) { "  <- least similar" } else { "" };
        writeln!(w, "  {:.4}  {} ~ {}{mark}", p.similarity, name(p.a), name(p.b))?;
    }
    for m in b.media.iter().filter(|m| m.status != "compared") {
        writeln!(w, "  not compared: {} ({})", name(m.media_index), m.status)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Table

/// Longest file column, in characters; longer paths keep their end (the file name).
const MAX_FILE_WIDTH: usize = 60;

/// Keeps the last `max - 1` characters of `s` behind an ellipsis when `s` is longer than `max`.
pub fn shorten(s: &str, max: usize) -> Cow<'_, str> {
    let n = s.chars().count();
    if n <= max || max < 2 {
        return Cow::Borrowed(s);
    }
    let tail: String = s.chars().skip(n - (max - 1)).collect();
    Cow::Owned(format!("…{tail}"))
}

fn verdict(r: &MediaResult) -> String {
    match r.reason {
        Some(reason) if r.resolution == Resolution::Failed => format!("FAILED/{}", reason.as_str()),
        _ => r.resolution.as_str().to_owned(),
    }
}

/// Longest shot set entry name in the `FRAMES` column.
const MAX_ENTRY_WIDTH: usize = 24;

/// The `FRAMES` cell: the kind, usable/sampled frames and the best shot, e.g.
/// `video 8/8 usable, best #25 @1.00s`, `shot set 4/4 usable, best frame_02.jpg`, or
/// `video 2/8 usable, needs 3` when too few frames were usable for a verdict.
fn frames_cell(s: &SequenceReport) -> String {
    let kind = match s.kind {
        SequenceKind::Video => "video",
        SequenceKind::ShotSet => "shot set",
        SequenceKind::Frames => "frames",
    };
    let mut cell = format!("{kind} {}/{} usable", s.usable, s.sampled);
    match &s.best_shot {
        Some(b) => match (&b.name, b.timestamp_ms) {
            (Some(name), _) => cell.push_str(&format!(", best {}", shorten(name, MAX_ENTRY_WIDTH))),
            (None, Some(ts)) => cell.push_str(&format!(", best #{} @{:.2}s", b.index, ts as f64 / 1000.0)),
            (None, None) => cell.push_str(&format!(", best #{}", b.index)),
        },
        None if s.usable < s.min_usable => cell.push_str(&format!(", needs {}", s.min_usable)),
        None => {}
    }
    cell
}

/// The table's cells for one result; `frames` adds the `FRAMES` column.
fn table_row(r: &MediaResult, frames: bool) -> Vec<String> {
    let file = shorten(r.source.as_deref().unwrap_or("-"), MAX_FILE_WIDTH).into_owned();
    let spoof = r.confidence_spoofing.map(|c| format!("{c:.3}")).unwrap_or_else(|| "-".into());
    let face = main_face(r)
        .map(|f| format!("{:.0},{:.0},{:.0},{:.0}", f.bbox.x, f.bbox.y, f.bbox.width, f.bbox.height))
        .unwrap_or_else(|| "-".into());
    let quality = match &r.quality {
        None => "-".to_owned(),
        Some(q) if q.failed.is_empty() => "ok".to_owned(),
        Some(q) => q.failed.join(","),
    };
    let ms = if r.error.is_some() { "-".to_owned() } else { format!("{:.1}", r.timings.total_ms) };
    let mut row = vec![file, verdict(r), spoof, face, quality];
    if frames {
        row.push(r.sequence.as_ref().map(frames_cell).unwrap_or_else(|| "-".into()));
    }
    row.push(ms);
    row
}

/// Columns of the table; `FRAMES` (before `MS`) only when some result is a video or shot set.
fn table_header(frames: bool) -> Vec<&'static str> {
    let mut h = vec!["FILE", "VERDICT", "SPOOF", "FACE", "QUALITY"];
    if frames {
        h.push("FRAMES");
    }
    h.push("MS");
    h
}

/// Right-aligned (numeric) columns.
fn right_aligned(header: &str) -> bool {
    matches!(header, "SPOOF" | "MS")
}

fn paint(text: &str, resolution: Resolution, color: bool) -> Cow<'_, str> {
    if !color {
        return Cow::Borrowed(text);
    }
    let code = match resolution {
        Resolution::Success => "32",
        Resolution::Declined => "31",
        Resolution::Failed | Resolution::OperatorRequired => "33",
    };
    Cow::Owned(format!("\x1b[{code}m{text}\x1b[0m"))
}

fn write_table(
    w: &mut impl Write,
    results: &[MediaResult],
    summary: &Summary,
    wall: Duration,
    color: bool,
) -> io::Result<()> {
    let frames = results.iter().any(|r| r.sequence.is_some());
    let header = table_header(frames);
    let rows: Vec<Vec<String>> = results.iter().map(|r| table_row(r, frames)).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let pad = |cell: &str, i: usize| -> String {
        let fill = " ".repeat(widths[i].saturating_sub(cell.chars().count()));
        if right_aligned(header[i]) { format!("{fill}{cell}") } else { format!("{cell}{fill}") }
    };
    let header_cells: Vec<String> = header.iter().enumerate().map(|(i, h)| pad(h, i)).collect();
    writeln!(w, "{}", header_cells.join("  ").trim_end())?;
    for (row, r) in rows.iter().zip(results) {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let padded = pad(c, i);
                if i == 1 { paint(&padded, r.resolution, color).into_owned() } else { padded }
            })
            .collect();
        writeln!(w, "{}", cells.join("  ").trim_end())?;
    }
    let errors: Vec<&MediaResult> = results.iter().filter(|r| r.error.is_some()).collect();
    if !errors.is_empty() {
        writeln!(w)?;
        for r in errors {
            if let Some(e) = &r.error {
                writeln!(w, "error: {}: {} ({})", r.source.as_deref().unwrap_or("-"), e.message, e.code)?;
            }
        }
    }
    writeln!(w)?;
    writeln!(w, "{summary} in {:.2} s", wall.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ozinstant::report::BestShot;

    fn result(source: &str, resolution: Resolution, spoof: Option<f64>) -> MediaResult {
        let err = ozinstant::Error::Decode("bad".into());
        let mut r = MediaResult::from_error("rid,1", 0, Some(source.to_owned()), 0.5, &err);
        if resolution != Resolution::Failed {
            r.error = None;
            r.reason = None;
        }
        r.resolution = resolution;
        r.confidence_spoofing = spoof;
        r
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("cr\r"), "\"cr\r\"");
    }

    #[test]
    fn csv_row_has_every_column() {
        let mut out = Vec::new();
        write_csv_row(&mut out, &result("dir/a,b.jpg", Resolution::Failed, None)).unwrap();
        let line = String::from_utf8(out).unwrap();
        assert!(line.starts_with("\"dir/a,b.jpg\",\"rid,1\",FAILED,INPUT_ERROR,,"));
        // error_code, then the seven sequence columns, empty (no kind: not analysed).
        assert!(line.trim_end().ends_with(",decode_failed,,,,,,,"), "{line}");
        assert_eq!(line.trim_end().matches(',').count() - 2, CSV_HEADER.len() - 1, "two quoted commas");
    }

    fn sequence(kind: SequenceKind, usable: usize, best: Option<BestShot>) -> SequenceReport {
        SequenceReport {
            kind,
            video: None,
            total_frames: 30,
            skipped_entries: 0,
            sampled: 8,
            usable,
            min_usable: 3,
            aggregation: "median_confidence_spoofing".into(),
            best_shot: best,
            frames: Vec::new(),
        }
    }

    fn best(index: usize, timestamp_ms: Option<u64>, name: Option<&str>) -> Option<BestShot> {
        Some(BestShot { frame: 6, index, timestamp_ms, name: name.map(str::to_owned), quality_score: 0.85 })
    }

    #[test]
    fn csv_sequence_columns() {
        let mut video = result("clip.mp4", Resolution::Success, Some(0.01));
        video.sequence = Some(sequence(SequenceKind::Video, 8, best(25, Some(1000), None)));
        let mut shots = result("shots.zip", Resolution::Success, Some(0.01));
        shots.sequence = Some(sequence(SequenceKind::ShotSet, 4, best(1, None, Some("frame_02.jpg"))));
        let photo = result("a.jpg", Resolution::Success, Some(0.01));
        let mut out = Vec::new();
        for r in [&video, &shots, &photo] {
            write_csv_row(&mut out, r).unwrap();
        }
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // The request id "rid,1" is quoted: count the last seven columns from the end.
        let tail = |l: &str| {
            let v: Vec<&str> = l.split(',').collect();
            v[v.len() - 7..].join(",")
        };
        assert_eq!(tail(lines[0]), "video,30,8,8,25,1000,");
        assert_eq!(tail(lines[1]), "shot_set,30,8,4,1,,frame_02.jpg");
        assert_eq!(tail(lines[2]), "image,,,,,,");
        assert_eq!(&CSV_HEADER[..13], &CSV_HEADER_1_1[..], "old columns keep their positions");
    }

    /// The columns before schema 1.2, in order.
    const CSV_HEADER_1_1: [&str; 13] = [
        "source",
        "request_id",
        "resolution",
        "reason",
        "confidence_spoofing",
        "face_x",
        "face_y",
        "face_w",
        "face_h",
        "face_score",
        "quality_failed",
        "total_ms",
        "error_code",
    ];

    #[test]
    fn frames_cell_sums_up_a_sequence() {
        let s = sequence(SequenceKind::Video, 8, best(25, Some(1000), None));
        assert_eq!(frames_cell(&s), "video 8/8 usable, best #25 @1.00s");
        let s = sequence(SequenceKind::ShotSet, 4, best(1, None, Some("frame_02.jpg")));
        assert_eq!(frames_cell(&s), "shot set 4/8 usable, best frame_02.jpg");
        let s = sequence(SequenceKind::Video, 2, None);
        assert_eq!(frames_cell(&s), "video 2/8 usable, needs 3");
        let s = sequence(SequenceKind::Frames, 5, best(3, None, None));
        assert_eq!(frames_cell(&s), "frames 5/8 usable, best #3");
    }

    #[test]
    fn frames_column_only_with_a_sequence() {
        let table = |results: Vec<MediaResult>| {
            let mut out = Output::new(Format::Table, Vec::new(), false);
            for r in results {
                out.push(r).unwrap();
            }
            out.finish(&[], Duration::from_millis(10)).unwrap();
            String::from_utf8(out.w).unwrap()
        };
        let text = table(vec![result("a.jpg", Resolution::Success, Some(0.01))]);
        assert!(!text.contains("FRAMES"), "{text}");
        let mut video = result("clip.mp4", Resolution::Success, Some(0.01));
        video.sequence = Some(sequence(SequenceKind::Video, 8, best(25, Some(1000), None)));
        let text = table(vec![result("a.jpg", Resolution::Success, Some(0.01)), video]);
        let lines: Vec<&str> = text.lines().collect();
        let col = lines[0].find("FRAMES").expect("FRAMES column");
        assert!(lines[0][col..].starts_with("FRAMES") && lines[0].ends_with("MS"), "{text}");
        assert!(lines[1][col..].starts_with("- "), "{text}");
        assert!(lines[2][col..].starts_with("video 8/8 usable, best #25 @1.00s"), "{text}");
    }

    #[test]
    fn shorten_keeps_the_end() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("abcdefgh", 5), "…efgh");
        assert_eq!(shorten("abcdefgh", 5).chars().count(), 5);
    }

    #[test]
    fn table_is_aligned_and_summarised() {
        let results = vec![
            result("a.jpg", Resolution::Success, Some(0.01234)),
            result("a/much/longer/path.png", Resolution::Declined, Some(0.9)),
            result("broken.jpg", Resolution::Failed, None),
        ];
        let mut out = Output::new(Format::Table, Vec::new(), false);
        for r in results {
            out.push(r).unwrap();
        }
        out.finish(&[], Duration::from_millis(1500)).unwrap();
        let text = String::from_utf8(out.w).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let verdict_col = lines[0].find("VERDICT").unwrap();
        for l in &lines[1..4] {
            let v = &l[verdict_col..];
            assert!(
                v.starts_with("SUCCESS") || v.starts_with("DECLINED") || v.starts_with("FAILED/INPUT_ERROR"),
                "{l}"
            );
        }
        assert!(lines[1].contains("0.012"));
        assert!(text.contains("error: broken.jpg: image could not be decoded: bad (decode_failed)"));
        assert!(text.contains("3 files: 1 success, 1 declined, 0 failed, 1 error in 1.50 s"), "{text}");
    }

    #[test]
    fn summary_counts_are_disjoint() {
        let mut s = Summary::default();
        s.add(&result("a", Resolution::Success, Some(0.1)));
        s.add(&result("b", Resolution::Failed, None));
        let mut no_face = result("c", Resolution::Failed, None);
        no_face.error = None;
        no_face.reason = Some(ozinstant::FailReason::NoFace);
        s.add(&no_face);
        assert_eq!(s, Summary { files: 3, success: 1, declined: 0, failed: 1, review: 0, errors: 1 });
    }
}
