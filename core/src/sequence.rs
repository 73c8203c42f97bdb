//! Multi-frame media: a selfie video, a shot set (ZIP archive of images) or raw frames handed
//! over in memory. Each is one media of a request with one verdict.
//!
//! 1. Sample `frames` frames evenly over the media (first and last included): a video is
//!    decoded once, streaming, and each wanted frame handed on as soon as it is decoded
//!    (`video::decode_with`); a shot set is checked whole and only the sampled entries are
//!    extracted ([`shotset::read`]).
//! 2. Analyse each frame like a photo (detection, landmarks, quality gate, liveness), in
//!    parallel on the engine's pool, a batch of [`batch_len`] frames at a time; a batch is
//!    dropped once analysed, except the best shot so far when biometry needs its pixels.
//! 3. Aggregate: the media's `confidence_spoofing` is the median over the *usable* frames
//!    (one good face and a liveness score), judged against the threshold like a photo's. With
//!    fewer than `min_usable_frames` usable frames the media is `FAILED` with the most frequent
//!    frame failure as its reason.
//! 4. Pick the best shot, the usable frame with the highest quality score; the media's faces,
//!    quality and liveness details are its, and biometry embeds it.
//!
//! Every decoded frame is zeroized when dropped. At most one batch and the best shot are held
//! at once, so peak memory does not grow with the number of sampled frames.

use std::time::Instant;

use crate::biometry::FaceEmbedding;
use crate::config::EngineConfig;
use crate::decode;
use crate::detect::Landmarks5;
use crate::error::{Error, ErrorCategory, Result};
use crate::pipeline::{self, MediaContext, Pipeline, ms, round3, round6};
use crate::report::{
    BestShot, ErrorInfo, FailReason, FrameResult, MediaResult, Resolution, SequenceKind, SequenceReport, Timings,
    VideoReport,
};
use crate::request::MediaRef;
use crate::shotset::{self, ShotEntry};

/// The aggregation rule's name, as reported.
pub const AGGREGATION: &str = "median_confidence_spoofing";

/// Which multi-frame kind a media is, from its content; `None` for a single image.
pub fn kind_of(media: MediaRef<'_>) -> Option<SequenceKind> {
    match media {
        MediaRef::Frames(_) => Some(SequenceKind::Frames),
        MediaRef::Bytes(b) if is_video(b) => Some(SequenceKind::Video),
        MediaRef::Bytes(b) if shotset::is_zip(b) => Some(SequenceKind::ShotSet),
        _ => None,
    }
}

#[cfg(feature = "video")]
fn is_video(bytes: &[u8]) -> bool {
    crate::video::sniff(bytes).is_some()
}

#[cfg(not(feature = "video"))]
fn is_video(bytes: &[u8]) -> bool {
    // MP4/MOV (`ftyp` box, or a QuickTime file without one: a `moov`, `free`, `wide`, `mdat` or
    // `skip` box first and a top-level `moov`, as `video::sniff` accepts) or Matroska/WebM (EBML
    // magic): recognised, so that the error says what is missing rather than "unsupported image
    // format".
    fn quicktime_without_ftyp(b: &[u8]) -> bool {
        if b.len() < 8 || !matches!(&b[4..8], b"moov" | b"free" | b"wide" | b"mdat" | b"skip") {
            return false;
        }
        let mut pos = 0usize;
        for _ in 0..1024 {
            let Some(head) = b.get(pos..pos + 8) else { return false };
            let kind = &head[4..8];
            if !kind.iter().all(|c| (0x20..0x7f).contains(c)) {
                return false;
            }
            if kind == b"moov" {
                return true;
            }
            let size = match u32::from_be_bytes([head[0], head[1], head[2], head[3]]) {
                0 => return false,
                1 => b.get(pos + 8..pos + 16).map_or(0, |s| u64::from_be_bytes(s.try_into().unwrap_or([0; 8]))),
                s => s as u64,
            };
            if size < 8 || size > (b.len() - pos) as u64 {
                return false;
            }
            pos += size as usize;
        }
        false
    }
    (bytes.len() >= 12 && &bytes[4..8] == b"ftyp")
        || bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3])
        || quicktime_without_ftyp(bytes)
}

/// One sampled frame and where it came from.
struct Sample<'a> {
    index: usize,
    timestamp_ms: Option<u64>,
    name: Option<String>,
    content: Content<'a>,
}

enum Content<'a> {
    #[cfg(feature = "video")]
    Video(crate::video::VideoFrame),
    Entry(ShotEntry),
    Borrowed(MediaRef<'a>),
}

impl Sample<'_> {
    fn media(&self) -> MediaRef<'_> {
        match &self.content {
            #[cfg(feature = "video")]
            Content::Video(f) => MediaRef::Pixels {
                data: &f.rgb,
                format: decode::PixelFormat::Rgb8,
                width: f.width,
                height: f.height,
                stride: 0,
            },
            Content::Entry(e) => MediaRef::Bytes(&e.bytes),
            Content::Borrowed(m) => *m,
        }
    }
}

/// The facts of an opened media (its samples went to the sink given to [`open`]).
struct Opened {
    total: usize,
    skipped: usize,
    video: Option<VideoReport>,
    format: &'static str,
}

/// Where [`open`] hands each sample, in decode order. An error stops the opening and is
/// returned by it.
type Sink<'s, 'a> = &'s mut dyn FnMut(Sample<'a>) -> Result<()>;

fn open<'a>(
    kind: SequenceKind,
    media: MediaRef<'a>,
    frames: usize,
    config: &EngineConfig,
    sink: Sink<'_, 'a>,
) -> Result<Opened> {
    match (kind, media) {
        (SequenceKind::Video, MediaRef::Bytes(bytes)) => open_video(bytes, frames, config, sink),
        (SequenceKind::ShotSet, MediaRef::Bytes(bytes)) => {
            let set = shotset::read(bytes, config.limits.max_bytes_per_media, &config.video.shot_set, frames)?;
            for e in set.entries {
                sink(Sample {
                    index: e.index,
                    timestamp_ms: None,
                    name: Some(e.name.clone()),
                    content: Content::Entry(e),
                })?;
            }
            Ok(Opened { total: set.total, skipped: set.skipped, video: None, format: "zip" })
        }
        (SequenceKind::Frames, MediaRef::Frames(raw)) => {
            if raw.is_empty() {
                return Err(Error::InvalidInput("a frames media needs at least one frame".into()));
            }
            if raw.len() > config.video.max_frames {
                return Err(Error::VideoTooLong {
                    reason: format!("{} raw frames, over video.max_frames {}", raw.len(), config.video.max_frames),
                });
            }
            for i in crate::frame::sample_indices(raw.len(), frames) {
                sink(Sample {
                    index: i,
                    timestamp_ms: None,
                    name: None,
                    content: Content::Borrowed(raw[i].as_media_ref()),
                })?;
            }
            Ok(Opened { total: raw.len(), skipped: 0, video: None, format: "raw_frames" })
        }
        _ => Err(Error::Internal("sequence kind does not match the media".into())),
    }
}

#[cfg(feature = "video")]
fn open_video<'a>(bytes: &[u8], frames: usize, config: &EngineConfig, sink: Sink<'_, 'a>) -> Result<Opened> {
    use crate::video::{VideoLimits, VideoOptions};
    let v = &config.video;
    let options = VideoOptions {
        frames,
        limits: VideoLimits {
            max_bytes: config.limits.max_bytes_per_media,
            max_duration_ms: v.max_duration_ms,
            max_frames: v.max_frames,
            max_pixels: v.max_pixels,
            max_side: v.max_side,
        },
    };
    let info = &crate::video::decode_with(bytes, &options, &mut |f| {
        sink(Sample { index: f.index, timestamp_ms: Some(f.timestamp_ms), name: None, content: Content::Video(f) })
    })?;
    let video = VideoReport {
        container: info.container.as_str().to_owned(),
        codec: info.codec.as_str().to_owned(),
        width: info.display_width,
        height: info.display_height,
        rotation: info.rotation,
        duration_ms: info.duration_ms,
        frame_count: info.frame_count,
        fps: (info.fps * 1000.0).round() / 1000.0,
        colour: crate::report::VideoColourReport {
            matrix: info.colour.matrix_name().to_owned(),
            range: info.colour.range_name().to_owned(),
            transfer: info.colour.transfer_name().to_owned(),
            primaries: info.colour.primaries_name().to_owned(),
            source: info.colour.source.as_str().to_owned(),
            tone_mapped: info.colour.tone_mapped(),
        },
    };
    let format = match info.container {
        crate::video::Container::Mp4 => "mp4",
        crate::video::Container::Matroska => "matroska",
    };
    // `decode_with` fails when no frame could be decoded, so the sink has had at least one.
    Ok(Opened { total: info.frame_count, skipped: 0, video: Some(video), format })
}

#[cfg(not(feature = "video"))]
fn open_video<'a>(_bytes: &[u8], _frames: usize, _config: &EngineConfig, _sink: Sink<'_, 'a>) -> Result<Opened> {
    Err(Error::UnsupportedCodec("this build of ozinstant has no video support (feature `video`)".into()))
}

/// Analyses a multi-frame media. Same contract as
/// [`Pipeline::analyze_embed`]: the result, the typed error when the media itself could not be
/// read, and the best shot's embedding when `ctx.embed` is set.
pub(crate) fn analyze<'m>(
    pipeline: &Pipeline,
    kind: SequenceKind,
    media: MediaRef<'m>,
    ctx: &MediaContext<'_>,
    config: &EngineConfig,
) -> (MediaResult, Option<Error>, Option<FaceEmbedding>) {
    let t = Instant::now();
    let frame_ctx = MediaContext { embed: false, landmarks: ctx.embed || ctx.landmarks, ..ctx.clone() };
    let mut acc: Analysed<'m> = Analysed::new(ctx.embed);
    let mut batch: Vec<Sample<'m>> = Vec::new();
    let batch_len = batch_len(ctx);
    let mut analyse_ms = 0.0;
    let opened = {
        let mut flush = |batch: &mut Vec<Sample<'m>>, acc: &mut Analysed<'m>| -> Result<()> {
            let started = Instant::now();
            let done = acc.add(std::mem::take(batch), pipeline, &frame_ctx, ctx, config);
            analyse_ms += ms(started);
            done
        };
        let mut sink = |s: Sample<'m>| -> Result<()> {
            batch.push(s);
            if batch.len() >= batch_len { flush(&mut batch, &mut acc) } else { Ok(()) }
        };
        open(kind, media, ctx.frames.max(1), config, &mut sink).and_then(|o| {
            flush(&mut batch, &mut acc)?;
            Ok(o)
        })
    };
    // Decoding time is the opening's, without the analyses that ran inside it.
    let decode_ms = round3((ms(t) - analyse_ms).max(0.0));
    let opened = match opened {
        Ok(o) => o,
        Err(e) => {
            // An unreadable media, or an engine fault (ONNX Runtime, internal) in a frame's
            // analysis, which fails the call as for a photo.
            let mut r = pipeline::failed(ctx, &e);
            r.timings.decode_ms = decode_ms;
            return (r, Some(e), None);
        }
    };
    let Analysed { mut frames, timings: frame_timings, first_input_error, kept, .. } = acc;
    frames.sort_by_key(|(_, f)| f.index);
    let mut timings = frame_timings;
    timings.decode_ms += decode_ms;

    let usable: Vec<usize> = (0..frames.len()).filter(|&i| usable(&frames[i].0, ctx)).collect();
    let min_usable = config.video.min_usable_frames.min(frames.len()).max(1);
    let best = usable
        .iter()
        .copied()
        .max_by(|&a, &b| {
            let qa = frames[a].1.quality_score.unwrap_or(0.0);
            let qb = frames[b].1.quality_score.unwrap_or(0.0);
            // Ties go to the earlier frame.
            qa.total_cmp(&qb).then(b.cmp(&a))
        })
        .filter(|_| usable.len() >= min_usable);

    let mut result = match best {
        Some(b) => {
            let mut r = frames[b].0.clone();
            if ctx.liveness {
                let mut scores: Vec<f64> = usable.iter().filter_map(|&i| frames[i].0.confidence_spoofing).collect();
                let median = round6(median(&mut scores));
                r.confidence_spoofing = Some(median);
                r.resolution = ctx.decision.verdict(median);
            } else {
                r.resolution = Resolution::Success;
            }
            r.reason = None;
            r
        }
        None => {
            let reason = most_frequent_reason(&frames);
            // The first frame that failed that way stands for the media.
            let stand_in = frames.iter().position(|(r, _)| r.reason == Some(reason)).unwrap_or(0);
            let mut r = frames[stand_in].0.clone();
            r.resolution = Resolution::Failed;
            r.reason = Some(reason);
            r.confidence_spoofing = None;
            r
        }
    };

    // The best shot's embedding, from its frame at full size and its landmarks.
    let mut embedding = None;
    if ctx.embed
        && let Some(b) = best
        && let Some(lm) = frames[b].0.faces.first().and_then(|f| f.landmarks.as_ref()).and_then(|l| landmarks5(l))
        && let Some(shot) = kept.as_ref().filter(|k| k.index == frames[b].1.index)
    {
        match embed_best(pipeline, shot.media(), &lm, config) {
            Ok(e) => embedding = e,
            Err(e) if e.category() == ErrorCategory::InvalidInput => {}
            Err(e) => return (pipeline::failed(ctx, &e), Some(e), None),
        }
    }

    // The image facts are the stand-in frame's (size, reduction), with the media's format and
    // size; none when that frame could not be decoded.
    if let Some(image) = result.image.as_mut() {
        image.format = opened.format.to_owned();
        image.orientation = 1;
        image.encoded_bytes = match media {
            MediaRef::Bytes(b) => b.len() as u64,
            MediaRef::Frames(f) => f.iter().map(|f| f.data.len() as u64).sum(),
            _ => 0,
        };
    }
    result.request_id = ctx.request_id.to_owned();
    result.media_index = ctx.media_index;
    result.source = ctx.label.clone();
    result.tag = ctx.tag;
    timings.total_ms = ms(t);
    result.timings = timings;
    result.sequence = Some(SequenceReport {
        kind,
        video: opened.video,
        total_frames: opened.total,
        skipped_entries: opened.skipped,
        sampled: frames.len(),
        usable: usable.len(),
        min_usable,
        aggregation: AGGREGATION.to_owned(),
        best_shot: best.map(|b| {
            let f = &frames[b].1;
            BestShot {
                frame: b,
                index: f.index,
                timestamp_ms: f.timestamp_ms,
                name: f.name.clone(),
                quality_score: f.quality_score.unwrap_or(0.0),
            }
        }),
        frames: frames.into_iter().map(|(_, f)| f).collect(),
    });
    // A media none of whose frames could be read fails like an unreadable photo.
    let error = if result.reason == Some(FailReason::InputError) { first_input_error } else { None };
    (result, error, embedding)
}

/// Frames analysed at once while a media streams in: two per worker of the engine's pool keeps
/// every worker busy between batches, and bounds the frames held (at 1080p, 6 MB each).
fn batch_len(ctx: &MediaContext<'_>) -> usize {
    2 * ctx.pool.map_or(1, |p| p.current_num_threads()).max(1)
}

/// What the analysed batches leave: every frame's result, the summed timings, the first input
/// error, and the best shot so far (kept only when biometry needs its pixels).
struct Analysed<'a> {
    frames: Vec<(MediaResult, FrameResult)>,
    timings: Timings,
    first_input_error: Option<Error>,
    kept: Option<Sample<'a>>,
    keep_best: bool,
    kept_quality: f64,
}

impl<'a> Analysed<'a> {
    fn new(keep_best: bool) -> Self {
        Analysed {
            frames: Vec::new(),
            timings: Timings::default(),
            first_input_error: None,
            kept: None,
            keep_best,
            kept_quality: f64::NEG_INFINITY,
        }
    }

    /// Analyses one batch, in parallel on the pool. An engine fault is returned (it fails the
    /// call); input errors are recorded per frame.
    fn add(
        &mut self,
        batch: Vec<Sample<'a>>,
        pipeline: &Pipeline,
        frame_ctx: &MediaContext<'_>,
        ctx: &MediaContext<'_>,
        config: &EngineConfig,
    ) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let run = |s: &Sample<'_>| pipeline.analyze_image(s.media(), frame_ctx, config);
        let outcomes: Vec<_> = match ctx.pool {
            Some(pool) if batch.len() > 1 => {
                use rayon::prelude::*;
                pool.install(|| batch.par_iter().map(run).collect())
            }
            _ => batch.iter().map(run).collect(),
        };
        for (s, (r, error, _)) in batch.into_iter().zip(outcomes) {
            match error {
                Some(e) if !matches!(e.category(), ErrorCategory::InvalidInput | ErrorCategory::Io) => return Err(e),
                Some(e) if self.first_input_error.is_none() => self.first_input_error = Some(e),
                _ => {}
            }
            add_timings(&mut self.timings, &r.timings);
            let summary = frame_result(&s, &r, config);
            // The same rule as the best shot's: the highest quality, ties to the earlier frame.
            if self.keep_best && usable(&r, ctx) {
                let q = summary.quality_score.unwrap_or(0.0);
                let better = match &self.kept {
                    None => true,
                    Some(k) => q.total_cmp(&self.kept_quality).then(k.index.cmp(&s.index)).is_gt(),
                };
                if better {
                    self.kept = Some(s); // the previous best is dropped (and wiped) here
                    self.kept_quality = q;
                }
            }
            self.frames.push((r, summary));
        }
        Ok(())
    }
}

/// A frame counts for the verdict when it has a liveness score (or, without liveness, succeeded).
fn usable(r: &MediaResult, ctx: &MediaContext<'_>) -> bool {
    if ctx.liveness { r.confidence_spoofing.is_some() } else { r.resolution == Resolution::Success }
}

fn embed_best(
    pipeline: &Pipeline,
    media: MediaRef<'_>,
    lm: &Landmarks5,
    config: &EngineConfig,
) -> Result<Option<FaceEmbedding>> {
    let (frame, _) = pipeline::load_frame(media, config, decode::Reduction::NONE)?;
    let (embedder, _) = pipeline.embedder()?;
    let t = Instant::now();
    let e = embedder.embed(&frame, lm)?;
    Ok(Some((e, ms(t))))
}

fn landmarks5(points: &[[f64; 2]]) -> Option<Landmarks5> {
    let mut out = [[0f32; 2]; 5];
    if points.len() != 5 {
        return None;
    }
    for (o, p) in out.iter_mut().zip(points) {
        *o = [p[0] as f32, p[1] as f32];
    }
    Some(out)
}

fn add_timings(sum: &mut Timings, t: &Timings) {
    sum.decode_ms = round3(sum.decode_ms + t.decode_ms);
    sum.detect_ms = round3(sum.detect_ms + t.detect_ms);
    sum.landmarks_ms = round3(sum.landmarks_ms + t.landmarks_ms);
    sum.quality_ms = round3(sum.quality_ms + t.quality_ms);
    sum.liveness_ms = round3(sum.liveness_ms + t.liveness_ms);
}

fn frame_result(s: &Sample<'_>, r: &MediaResult, config: &EngineConfig) -> FrameResult {
    let face = r.faces.first();
    FrameResult {
        index: s.index,
        timestamp_ms: s.timestamp_ms,
        name: s.name.clone(),
        resolution: r.resolution,
        reason: r.reason,
        confidence_spoofing: r.confidence_spoofing,
        face_score: face.map(|f| f.score),
        quality_score: face.map(|f| quality_score(f.score, r, config.quality.min_sharpness as f64)),
        quality_failed: r.quality.as_ref().map(|q| q.failed.clone()).unwrap_or_default(),
        error: r.error.clone().map(|e: ErrorInfo| e),
        total_ms: r.timings.total_ms,
    }
}

/// Best-shot score, 0..1: `face_score × sharpness/(sharpness + 4·min_sharpness) × cos(yaw) ×
/// cos(roll)`. A missing check counts as neutral (1).
pub fn quality_score(face_score: f64, r: &MediaResult, min_sharpness: f64) -> f64 {
    let check = |name: &str| r.quality.as_ref().and_then(|q| q.checks.iter().find(|c| c.name == name)).map(|c| c.value);
    let sharp = check("sharpness").map(|s| s / (s + 4.0 * min_sharpness.max(1e-6))).unwrap_or(1.0);
    let angle = |name: &str| check(name).map(|deg| deg.to_radians().cos().max(0.0)).unwrap_or(1.0);
    round6((face_score * sharp * angle("yaw") * angle("roll")).clamp(0.0, 1.0))
}

/// Median; the mean of the two middle values for an even count. `values` is not empty.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

/// The reason the frames failed most often; ties go to the more specific one
/// (`MULTIPLE_FACES`, then `LOW_QUALITY`, `NO_FACE`). Unreadable frames (`INPUT_ERROR`) count
/// only when no frame could be read at all. With no failed frame at all (cannot happen when
/// `min_usable` is capped at the frame count) the answer is `NO_FACE`.
fn most_frequent_reason(frames: &[(MediaResult, FrameResult)]) -> FailReason {
    if !frames.is_empty() && frames.iter().all(|(r, _)| r.reason == Some(FailReason::InputError)) {
        return FailReason::InputError;
    }
    let count = |reason: FailReason| frames.iter().filter(|(r, _)| r.reason == Some(reason)).count();
    let mut best = FailReason::NoFace;
    let mut best_count = 0;
    for reason in [FailReason::MultipleFaces, FailReason::LowQuality, FailReason::NoFace] {
        let c = count(reason);
        if c > best_count {
            best = reason;
            best_count = c;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut [0.9, 0.1, 0.5]), 0.5);
        assert_eq!(median(&mut [0.4, 0.1, 0.2, 0.9]), 0.30000000000000004);
        assert_eq!(median(&mut [0.7]), 0.7);
    }

    #[test]
    fn landmarks_need_five_points() {
        assert!(landmarks5(&[[1.0, 2.0]; 4]).is_none());
        assert_eq!(landmarks5(&[[1.5, 2.0]; 5]).unwrap()[4], [1.5, 2.0]);
    }
}
