//! Output formats of `ozinstant analyze`: a human table, one JSON document, JSON lines and CSV.
//!
//! Results reach [`Output::push`] in input order. `jsonl` and `csv` are streamed (written and
//! flushed as each result arrives); `table` and `json` need every result first (column widths,
//! one document) and are written by [`Output::finish`].

use std::borrow::Cow;
use std::io::{self, Write};
use std::time::Duration;

use ozinstant::models::ModelVersion;
use ozinstant::report::{BiometryReport, Face, SCHEMA_VERSION};
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
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = |n: usize| if n == 1 { "" } else { "s" };
        write!(
            f,
            "{} file{}: {} success, {} declined, {} failed, {} error{}",
            self.files,
            s(self.files),
            self.success,
            self.declined,
            self.failed,
            self.errors,
            s(self.errors)
        )
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
        }
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
                let doc = JsonDocument {
                    schema_version: SCHEMA_VERSION,
                    request_id: req.map(|r| r.request_id.as_str()),
                    resolution: req.map(|r| r.resolution),
                    results: &self.buffered,
                    biometry: req.and_then(|r| r.biometry.as_ref()),
                    models,
                    engine_version: env!("CARGO_PKG_VERSION"),
                    summary: &self.summary,
                };
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
}

/// The face the verdict is about (the analysed one, else the first reported).
fn main_face(r: &MediaResult) -> Option<&Face> {
    r.faces.iter().find(|f| f.analysed).or_else(|| r.faces.first())
}

// ---------------------------------------------------------------------------------------------
// CSV

/// Columns of `--format csv`.
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
];

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
    let fields: [String; 13] = [
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

fn table_row(r: &MediaResult) -> [String; 6] {
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
    [file, verdict(r), spoof, face, quality, ms]
}

const TABLE_HEADER: [&str; 6] = ["FILE", "VERDICT", "SPOOF", "FACE", "QUALITY", "MS"];
/// Right-aligned (numeric) columns.
const RIGHT_ALIGNED: [bool; 6] = [false, false, true, false, false, true];

fn paint(text: &str, resolution: Resolution, color: bool) -> Cow<'_, str> {
    if !color {
        return Cow::Borrowed(text);
    }
    let code = match resolution {
        Resolution::Success => "32",
        Resolution::Declined => "31",
        Resolution::Failed => "33",
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
    let rows: Vec<[String; 6]> = results.iter().map(table_row).collect();
    let mut widths = TABLE_HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let pad = |cell: &str, i: usize| -> String {
        let fill = " ".repeat(widths[i].saturating_sub(cell.chars().count()));
        if RIGHT_ALIGNED[i] { format!("{fill}{cell}") } else { format!("{cell}{fill}") }
    };
    let header: Vec<String> = TABLE_HEADER.iter().enumerate().map(|(i, h)| pad(h, i)).collect();
    writeln!(w, "{}", header.join("  ").trim_end())?;
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
        assert!(line.trim_end().ends_with(",decode_failed"));
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
        assert_eq!(s, Summary { files: 3, success: 1, declined: 0, failed: 1, errors: 1 });
    }
}
