//! Container sniffing and demuxing: ISO-BMFF (MP4, MOV, fragmented MP4) with `re_mp4` (vendored
//! with two fixes, see `third_party/PATCHES.md`), Matroska/WebM with `matroska-demuxer`. The
//! output is one video [`Track`]: its codec, codec configuration, sizes, rotation, colour tags,
//! timing and the byte ranges of its packets in decode order.
//!
//! Edit lists (`elst`) and `colr` boxes, which re_mp4 does not model, are read here by a small
//! box walk ([`mp4_trak_meta`]). Edits are applied the way ffmpeg presents them: samples outside
//! every edit are still decoded (they may be references) but are not shown.

use std::io::Cursor;
use std::ops::Range;

use super::{Codec, Container, VideoLimits};
use crate::error::{Error, Result};

/// One coded packet (an access unit for H.264/HEVC, a frame or superframe for VP9).
#[derive(Debug, Clone)]
pub(crate) struct Packet {
    /// Byte range in [`Track::data`].
    pub range: Range<usize>,
    /// Presentation time in `timescale` units, from the start of the track (after the edit
    /// list, when there is one).
    pub pts: i64,
    /// False for a sample that no edit presents: decoded (it may be a reference) but never
    /// shown, counted or sampled.
    pub shown: bool,
}

/// The video track of a clip, demuxed.
pub(crate) struct Track {
    pub container: Container,
    pub codec: Codec,
    /// avcC / hvcC record (MP4), CodecPrivate (Matroska); empty when absent.
    pub config: Vec<u8>,
    /// Size stored in the sample entry / track entry (the coded picture size after cropping).
    pub coded: (u32, u32),
    /// Clockwise display rotation in degrees: 0, 90, 180 or 270.
    pub rotation: u16,
    /// Ticks per second of `Packet::pts` and `duration`.
    pub timescale: u64,
    /// Presentation duration in `timescale` units (the edit list's, when there is one).
    pub duration: u64,
    /// Colour description from the container (MP4 `colr` nclx/nclc, Matroska `Colour`).
    pub colour: crate::video::ColourTags,
    /// Packets in decode order.
    pub packets: Vec<Packet>,
    /// Owned packet bytes for Matroska; `None` means the ranges index the input itself.
    pub owned: Option<Vec<u8>>,
}

impl Track {
    pub fn packet<'a>(&'a self, input: &'a [u8], i: usize) -> &'a [u8] {
        let data = self.owned.as_deref().unwrap_or(input);
        data.get(self.packets[i].range.clone()).unwrap_or(&[])
    }
}

/// Which container the bytes are: ISO-BMFF when they start with an `ftyp` box, or (QuickTime
/// files written without one, like ffmpeg's mov probe accepts) with a `moov`, `free`, `wide`,
/// `mdat` or `skip` box and a top-level box walk that reaches a `moov`; Matroska from the EBML
/// magic.
pub fn sniff(bytes: &[u8]) -> Option<Container> {
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        return Some(Container::Mp4);
    }
    if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Some(Container::Matroska);
    }
    if bytes.len() >= 8
        && matches!(&bytes[4..8], b"moov" | b"free" | b"wide" | b"mdat" | b"skip")
        && top_level_moov(bytes).is_some()
    {
        return Some(Container::Mp4);
    }
    None
}

/// The body of the first top-level `moov` box, if a walk of well-formed top-level boxes (sizes
/// that fit, printable four-character types) reaches one within 1024 boxes.
fn top_level_moov(bytes: &[u8]) -> Option<&[u8]> {
    boxes(bytes)
        .take(1024)
        .take_while(|(kind, _)| kind.iter().all(|c| (0x20..0x7f).contains(c)))
        .find(|(kind, _)| kind == b"moov")
        .map(|(_, body)| body)
}

/// The boxes in `b`, in order, as (type, body); stops at the first box whose size does not fit.
fn boxes(b: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let head = b.get(pos..pos.checked_add(8)?)?;
        let size32 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as u64;
        let kind = [head[4], head[5], head[6], head[7]];
        let rest = (b.len() - pos) as u64;
        let (header, size) = match size32 {
            0 => (8u64, rest),
            1 => (16, u64::from_be_bytes(b.get(pos + 8..pos + 16)?.try_into().ok()?)),
            s => (8, s),
        };
        if size < header || size > rest {
            return None;
        }
        let body = &b[pos + header as usize..pos + size as usize];
        pos += size as usize;
        Some((kind, body))
    })
}

fn child<'a>(b: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    boxes(b).find(|(k, _)| k == kind).map(|(_, body)| body)
}

fn be_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// One entry of an edit list (`elst`, ISO/IEC 14496-12 §8.6.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Edit {
    /// Duration of the edit in movie (`mvhd`) timescale units.
    pub segment_duration: u64,
    /// Start of the edit in media (`mdhd`) timescale units; -1 for an empty edit.
    pub media_time: i64,
    /// media_rate_integer == 1 and media_rate_fraction == 0.
    pub normal_rate: bool,
}

/// What re_mp4 does not model, for one track: its edit list and its colour tags.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TrakMeta {
    /// Movie timescale (`mvhd`), 0 when unreadable.
    pub movie_timescale: u64,
    /// The edit list, when the track has an `elst` box.
    pub edits: Option<Vec<Edit>>,
    /// `colr` nclx/nclc of the first sample entry.
    pub colour: crate::video::ColourTags,
}

/// Most edit list entries read; a longer list is ignored (shown as if absent).
const MAX_EDITS: usize = 64;

fn parse_elst(body: &[u8]) -> Option<Vec<Edit>> {
    let version = *body.first()?;
    let count = be_u32(body, 4)? as usize;
    let entry = if version == 1 { 20 } else { 12 };
    if count > MAX_EDITS || count.checked_mul(entry)? > body.len().saturating_sub(8) {
        return None;
    }
    let mut edits = Vec::with_capacity(count);
    for k in 0..count {
        let at = 8 + k * entry;
        let (segment_duration, media_time, rate_at) = if version == 1 {
            (be_u64(body, at)?, be_u64(body, at + 8)? as i64, at + 16)
        } else {
            (be_u32(body, at)? as u64, be_u32(body, at + 4)? as i32 as i64, at + 8)
        };
        let normal_rate = be_u16(body, rate_at)? == 1 && be_u16(body, rate_at + 2)? == 0;
        edits.push(Edit { segment_duration, media_time, normal_rate });
    }
    Some(edits)
}

/// `colr` of type `nclx` (ISO/IEC 14496-12 §12.1.5) or `nclc` (QuickTime: no range flag).
fn parse_colr(body: &[u8]) -> Option<crate::video::ColourTags> {
    let code = |at: usize| be_u16(body, at).map(|v| u8::try_from(v).unwrap_or(2));
    let (primaries, transfer, matrix) = (code(4)?, code(6)?, code(8)?);
    let full_range = match body.get(..4)? {
        b"nclx" => Some(body.get(10)? & 0x80 != 0),
        b"nclc" => None,
        _ => return None,
    };
    Some(crate::video::ColourTags::from_code_points(primaries, transfer, matrix, full_range))
}

/// Edit list and colour tags of the track `track_id`, from the first top-level `moov`.
pub(crate) fn mp4_trak_meta(bytes: &[u8], track_id: u32) -> TrakMeta {
    let mut meta = TrakMeta::default();
    let Some(moov) = top_level_moov(bytes) else { return meta };
    if let Some(mvhd) = child(moov, b"mvhd") {
        let ts = if mvhd.first() == Some(&1) { be_u32(mvhd, 20) } else { be_u32(mvhd, 12) };
        meta.movie_timescale = ts.unwrap_or(0) as u64;
    }
    for (kind, trak) in boxes(moov) {
        if &kind != b"trak" {
            continue;
        }
        let id = child(trak, b"tkhd").and_then(|t| if t.first() == Some(&1) { be_u32(t, 20) } else { be_u32(t, 12) });
        if id != Some(track_id) {
            continue;
        }
        meta.edits = child(trak, b"edts").and_then(|e| child(e, b"elst")).and_then(parse_elst);
        let stsd = child(trak, b"mdia")
            .and_then(|b| child(b, b"minf"))
            .and_then(|b| child(b, b"stbl"))
            .and_then(|b| child(b, b"stsd"));
        // stsd: version+flags (4), entry_count (4), then sample entries (boxes). A visual
        // sample entry has 78 bytes of fields before its child boxes (avcC, colr, pasp...).
        if let Some((_, entry)) = stsd.and_then(|s| s.get(8..)).and_then(|e| boxes(e).next()) {
            meta.colour = entry
                .get(78..)
                .and_then(|children| boxes(children).find(|(k, b)| k == b"colr" && parse_colr(b).is_some()))
                .and_then(|(_, b)| parse_colr(b))
                .unwrap_or_default();
        }
        break;
    }
    meta
}

/// Applies an edit list to samples with raw presentation times `raw` (media timescale, as
/// stored: decode time + composition offset) and durations `durations`. Returns each sample's
/// presentation time and whether it is shown, and the presentation duration; `None` when the
/// list cannot be applied (a rate other than 1, no timescale, or no sample shown), in which
/// case the caller shows every sample.
///
/// As ffmpeg presents them: an empty edit (media_time -1) shifts what follows; a sample is shown
/// by the first edit whose media window [media_time, media_time + duration) holds its raw
/// time, at the edit's start on the presentation timeline plus its offset into the window. A
/// last edit of duration 0 runs to the end of the media.
pub(crate) fn apply_edits(
    edits: &[Edit],
    movie_timescale: u64,
    timescale: u64,
    raw: &[i64],
    durations: &[u64],
) -> Option<(Vec<i64>, Vec<bool>, u64)> {
    if edits.is_empty() || movie_timescale == 0 || edits.iter().any(|e| e.media_time >= 0 && !e.normal_rate) {
        return None;
    }
    // Rounded to the nearest media tick, as ffmpeg's av_rescale.
    let to_media = |d: u64| {
        ((d as u128 * timescale as u128 + movie_timescale as u128 / 2) / movie_timescale as u128)
            .min(i64::MAX as u128 / 4) as i64
    };
    let mut pts = vec![0i64; raw.len()];
    let mut shown = vec![false; raw.len()];
    let mut cursor = 0i64;
    let mut open_end = false;
    for (k, e) in edits.iter().enumerate() {
        let seg =
            if e.segment_duration == 0 && k + 1 == edits.len() { None } else { Some(to_media(e.segment_duration)) };
        if e.media_time < 0 {
            cursor = cursor.saturating_add(seg.unwrap_or(0));
            continue;
        }
        let start = e.media_time;
        let end = seg.map(|s| start.saturating_add(s));
        for (i, &t) in raw.iter().enumerate() {
            if !shown[i] && t >= start && end.is_none_or(|end| t < end) {
                shown[i] = true;
                pts[i] = cursor.saturating_add(t - start);
            }
        }
        match seg {
            Some(s) => cursor = cursor.saturating_add(s),
            None => open_end = true,
        }
    }
    if !shown.iter().any(|&s| s) {
        return None;
    }
    let duration = if open_end {
        (0..raw.len())
            .filter(|&i| shown[i])
            .map(|i| pts[i].saturating_add(durations.get(i).copied().unwrap_or(0).min(i64::MAX as u64) as i64))
            .max()
            .unwrap_or(0)
    } else {
        // The sum in movie units, converted once (no rounding per edit).
        to_media(edits.iter().map(|e| e.segment_duration).fold(0u64, u64::saturating_add))
    };
    Some((pts, shown, duration.max(0) as u64))
}

/// The input as a reader with a budget of read and seek calls, proportional to its length.
///
/// Demuxers parse box and element trees with loops that trust the sizes they read; a size
/// that does not move the position forward (an MP4 child box of size 0 makes re_mp4 0.5.1 seek
/// back to the same header, found by fuzzing) would loop forever. Every iteration of such a
/// loop reads or seeks, so a budget turns any of them into an error. A well-formed file needs
/// far fewer calls: each call consumes at least one byte of a box or element, and boxes are
/// read once.
struct Budgeted<'a> {
    inner: Cursor<&'a [u8]>,
    calls_left: u64,
}

impl<'a> Budgeted<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Budgeted { inner: Cursor::new(bytes), calls_left: 4 * bytes.len() as u64 + 100_000 }
    }

    fn spend(&mut self) -> std::io::Result<()> {
        if self.calls_left == 0 {
            return Err(std::io::Error::other("the container does not parse in bounded time (a box or element loops)"));
        }
        self.calls_left -= 1;
        Ok(())
    }
}

impl std::io::Read for Budgeted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.spend()?;
        self.inner.read(buf)
    }
}

impl std::io::Seek for Budgeted<'_> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.spend()?;
        self.inner.seek(pos)
    }
}

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Decode(format!("video container: {what}"))
}

pub(crate) fn demux(bytes: &[u8], limits: &VideoLimits) -> Result<Track> {
    match sniff(bytes) {
        Some(Container::Mp4) => demux_mp4(bytes, limits),
        Some(Container::Matroska) => demux_mkv(bytes, limits),
        None => {
            Err(Error::UnsupportedFormat("not a video container this build reads (MP4, MOV, WebM, Matroska)".into()))
        }
    }
}

/// Rotation from a tkhd matrix: rotation_cw = atan2(b, a), snapped to a multiple of 90 degrees.
/// Mirroring matrices keep their rotation part; the mirror itself is ignored.
pub(crate) fn rotation_from_matrix(a: i32, b: i32) -> u16 {
    if a == 0 && b == 0 {
        return 0;
    }
    let deg = (b as f64).atan2(a as f64).to_degrees();
    let snapped = ((deg / 90.0).round() as i64).rem_euclid(4) as u16;
    snapped * 90
}

// ---------------------------------------------------------------------------------------------
// ISO-BMFF

/// Walks the box tree (only the containers that lead to sample tables) and returns the number
/// of samples announced by `stsz`/`stz2` and `trun` boxes. Runs before `re_mp4` builds its sample
/// list, so a header announcing billions of samples is refused without allocating for them.
fn announced_samples(bytes: &[u8]) -> u64 {
    fn walk(b: &[u8], depth: u32, total: &mut u64) {
        let mut pos = 0usize;
        while pos + 8 <= b.len() && depth < 12 {
            let size32 = u32::from_be_bytes([b[pos], b[pos + 1], b[pos + 2], b[pos + 3]]) as u64;
            let kind = &b[pos + 4..pos + 8];
            let (header, size) = match size32 {
                0 => (8u64, (b.len() - pos) as u64),
                1 => {
                    let Some(s) = b.get(pos + 8..pos + 16) else { return };
                    (16, u64::from_be_bytes(s.try_into().unwrap_or([0; 8])))
                }
                s => (8, s),
            };
            if size < header || size > (b.len() - pos) as u64 {
                return;
            }
            let body = &b[pos + header as usize..pos + size as usize];
            match kind {
                b"moov" | b"trak" | b"mdia" | b"minf" | b"stbl" | b"moof" | b"traf" => walk(body, depth + 1, total),
                // full box: version+flags (4), then for stsz sample_size (4), sample_count (4)
                b"stsz" | b"stz2" => {
                    if let Some(c) = body.get(8..12) {
                        *total = total.saturating_add(u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as u64);
                    }
                }
                // trun: version+flags (4), sample_count (4)
                b"trun" => {
                    if let Some(c) = body.get(4..8) {
                        *total = total.saturating_add(u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as u64);
                    }
                }
                _ => {}
            }
            pos += size as usize;
        }
    }
    let mut total = 0;
    walk(bytes, 0, &mut total);
    total
}

fn demux_mp4(bytes: &[u8], limits: &VideoLimits) -> Result<Track> {
    use re_mp4::{Mp4, StsdBoxContent, TrackKind};

    let announced = announced_samples(bytes);
    // Audio tracks count too; allow generous room for them before re_mp4 allocates.
    let cap = (limits.max_frames as u64).saturating_mul(8).max(10_000);
    if announced > cap {
        return Err(Error::VideoTooLong {
            reason: format!("the sample tables announce {announced} samples (cap {cap})"),
        });
    }
    let mp4 = Mp4::read(Budgeted::new(bytes), bytes.len() as u64).map_err(corrupt)?;
    // re_mp4 sets `kind` only for sample entries it knows; the handler type says "vide" for
    // every video track, including codecs it does not know (which we then refuse by name).
    let is_video = |t: &re_mp4::Track| {
        t.kind == Some(TrackKind::Video)
            || mp4
                .moov
                .traks
                .iter()
                .any(|k| k.tkhd.track_id == t.track_id && &k.mdia.hdlr.handler_type.value == b"vide")
    };
    let (_, track) = mp4.tracks().iter().find(|(_, t)| is_video(t)).ok_or_else(|| corrupt("no video track"))?;
    let Some(trak) = mp4.moov.traks.iter().find(|t| t.tkhd.track_id == track.track_id) else {
        return Err(corrupt("video track without a trak box"));
    };
    let stsd = &trak.mdia.minf.stbl.stsd.contents;
    let (codec, config, coded) = match stsd {
        StsdBoxContent::Avc1(b) => (Codec::H264, b.avcc.raw.clone(), (b.width, b.height)),
        StsdBoxContent::Hvc1(b) | StsdBoxContent::Hev1(b) => (Codec::Hevc, b.hvcc.raw.clone(), (b.width, b.height)),
        StsdBoxContent::Vp09(b) => (Codec::Vp9, Vec::new(), (b.width, b.height)),
        StsdBoxContent::Vp08(b) => (Codec::Other("vp8".into()), Vec::new(), (b.width, b.height)),
        StsdBoxContent::Av01(b) => (Codec::Other("av1".into()), Vec::new(), (b.width, b.height)),
        StsdBoxContent::Unknown(fourcc) => (Codec::Other(fourcc.to_string().trim().to_string()), Vec::new(), (0, 0)),
        StsdBoxContent::Mp4a(_) | StsdBoxContent::Tx3g(_) => {
            return Err(corrupt("video track with an audio or text sample entry"));
        }
    };
    let m = &trak.tkhd.matrix;
    let rotation = rotation_from_matrix(m.a, m.b);
    let timescale = track.timescale.max(1);
    let samples = &track.samples;
    let raw = raw_presentation_times(trak, samples);
    let durations: Vec<u64> = samples.iter().map(|s| s.duration).collect();
    let meta = mp4_trak_meta(bytes, track.track_id);
    let edited =
        meta.edits.as_deref().and_then(|edits| apply_edits(edits, meta.movie_timescale, timescale, &raw, &durations));
    let (pts, shown, duration) = match edited {
        Some(edited) => edited,
        None => {
            // No (usable) edit list: presentation times from 0.
            let t0 = raw.iter().copied().min().unwrap_or(0);
            let pts: Vec<i64> = raw.iter().map(|&t| t.saturating_sub(t0)).collect();
            // Fragmented files leave the mdhd duration at 0: the samples' own span then.
            let span = pts
                .iter()
                .zip(&durations)
                .map(|(&p, &d)| p.saturating_add(d.min(i64::MAX as u64) as i64))
                .max()
                .unwrap_or(0)
                .max(0) as u64;
            let mdhd = trak.mdia.mdhd.duration;
            let duration = if mdhd > 0 && mdhd != u64::MAX && mdhd != u32::MAX as u64 { mdhd.max(span) } else { span };
            (pts, vec![true; raw.len()], duration)
        }
    };
    let packets: Vec<Packet> = samples
        .iter()
        .zip(pts.into_iter().zip(shown))
        .map(|(s, (pts, shown))| Packet {
            range: s.offset as usize..(s.offset.saturating_add(s.size)) as usize,
            pts,
            shown,
        })
        .collect();
    Ok(Track {
        container: Container::Mp4,
        codec,
        config,
        coded: (coded.0 as u32, coded.1 as u32),
        rotation,
        timescale,
        duration,
        colour: meta.colour,
        packets,
        owned: None,
    })
}

/// Presentation times as stored (decode time from 0 + composition offset, media timescale),
/// which is what `elst` media times refer to. re_mp4 shifts the `moov` samples so that the
/// first presentation time is 0 (and decode times by the largest negative `ctts` offset);
/// this undoes both. Samples from `moof` fragments keep their `tfdt` times.
fn raw_presentation_times(trak: &re_mp4::TrakBox, samples: &[re_mp4::Sample]) -> Vec<i64> {
    let stbl = &trak.mdia.minf.stbl;
    let stsz = &stbl.stsz;
    let in_moov = if stsz.sample_size == 0 {
        stsz.sample_sizes.len().max(stsz.sample_count as usize)
    } else {
        stsz.sample_count as usize
    }
    .min(samples.len());
    let dts_shift = stbl
        .ctts
        .as_ref()
        .and_then(|c| c.entries.iter().map(|e| e.sample_offset as i64).min())
        .map_or(0, |m| (-m).max(0));
    let mut dts = 0i64;
    samples
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i < in_moov {
                let offset = s.composition_timestamp.saturating_sub(s.decode_timestamp).saturating_sub(dts_shift);
                let t = dts.saturating_add(offset);
                dts = dts.saturating_add(s.duration.min(i64::MAX as u64) as i64);
                t
            } else {
                s.composition_timestamp
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Matroska / WebM

fn demux_mkv(bytes: &[u8], limits: &VideoLimits) -> Result<Track> {
    use matroska_demuxer::{Frame, MatroskaFile, TrackType};

    let mut mkv = MatroskaFile::open(Budgeted::new(bytes)).map_err(corrupt)?;
    let entry =
        mkv.tracks().iter().find(|t| t.track_type() == TrackType::Video).ok_or_else(|| corrupt("no video track"))?;
    let number = entry.track_number().get();
    let codec = match entry.codec_id() {
        "V_VP9" => Codec::Vp9,
        "V_MPEG4/ISO/AVC" => Codec::H264,
        "V_MPEGH/ISO/HEVC" => Codec::Hevc,
        "V_VP8" => Codec::Other("vp8".into()),
        "V_AV1" => Codec::Other("av1".into()),
        other => Codec::Other(other.trim_start_matches("V_").to_ascii_lowercase()),
    };
    let config = entry.codec_private().map(<[u8]>::to_vec).unwrap_or_default();
    let coded = entry
        .video()
        .map(|v| {
            (
                u32::try_from(v.pixel_width().get()).unwrap_or(u32::MAX),
                u32::try_from(v.pixel_height().get()).unwrap_or(u32::MAX),
            )
        })
        .unwrap_or((0, 0));
    let colour = entry.video().and_then(|v| v.colour()).map(mkv_colour).unwrap_or_default();
    // Timestamps are in units of timestamp_scale nanoseconds (1 ms by default).
    let scale_ns = mkv.info().timestamp_scale().get();
    let timescale = (1_000_000_000 / scale_ns.max(1)).max(1);
    let header_duration = mkv.info().duration().unwrap_or(0.0);
    let header_duration = if header_duration.is_finite() && header_duration > 0.0 { header_duration as u64 } else { 0 };
    // Refuse from the header before reading any block when the duration is announced.
    let max_ticks = (limits.max_duration_ms as u128 * timescale as u128 / 1000) as u64;
    if header_duration > max_ticks {
        return Err(Error::VideoTooLong {
            reason: format!(
                "duration {} ms over the limit of {} ms",
                header_duration as u128 * 1000 / timescale as u128,
                limits.max_duration_ms
            ),
        });
    }
    if codec.is_other() {
        // Nothing to read further: the caller refuses the codec.
        return Ok(Track {
            container: Container::Matroska,
            codec,
            config,
            coded,
            rotation: 0,
            timescale,
            duration: header_duration,
            colour,
            packets: Vec::new(),
            owned: Some(Vec::new()),
        });
    }

    let mut owned = Vec::new();
    let mut packets = Vec::new();
    let mut frame = Frame::default();
    let mut first: Option<u64> = None;
    let mut last_end = 0u64;
    loop {
        match mkv.next_frame(&mut frame) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                if packets.is_empty() {
                    return Err(corrupt(e));
                }
                // A damaged tail: keep what was read intact, like a truncated recording.
                tracing::debug!(error = %e, "matroska: stopped at a damaged block");
                break;
            }
        }
        if frame.track != number {
            continue;
        }
        if packets.len() >= limits.max_frames {
            return Err(Error::VideoTooLong { reason: format!("more than {} frames", limits.max_frames) });
        }
        let t0 = *first.get_or_insert(frame.timestamp);
        let pts = frame.timestamp.saturating_sub(t0);
        let start = owned.len();
        owned.extend_from_slice(&frame.data);
        packets.push(Packet { range: start..owned.len(), pts: pts.min(i64::MAX as u64) as i64, shown: true });
        last_end = last_end.max(pts + frame.duration.unwrap_or(0));
    }
    // Without a header duration: last timestamp plus one mean frame interval.
    let duration = if header_duration > 0 {
        header_duration
    } else if packets.len() > 1 {
        let last = packets.last().map(|p| p.pts as u64).unwrap_or(0);
        last + last / (packets.len() as u64 - 1)
    } else {
        last_end
    };
    Ok(Track {
        container: Container::Matroska,
        codec,
        config,
        coded,
        rotation: 0,
        timescale,
        duration,
        colour,
        packets,
        owned: Some(owned),
    })
}

/// The Matroska `Colour` element as H.273 code points. matroska-demuxer maps the stored
/// numbers to enums (`From<u64>`, H.273 numbering); the number is recovered by searching the
/// code points that map to the same variant (an unknown value maps like 255 does, to `None`).
fn mkv_colour(c: &matroska_demuxer::Colour) -> crate::video::ColourTags {
    fn code<T: From<u64> + PartialEq>(v: Option<T>) -> u8 {
        v.and_then(|v| (0u64..=32).find(|&n| T::from(n) == v).filter(|_| T::from(255) != v)).map_or(2, |n| n as u8)
    }
    let full_range = match c.range() {
        Some(matroska_demuxer::Range::Broadcast) => Some(false),
        Some(matroska_demuxer::Range::Full) => Some(true),
        _ => None,
    };
    crate::video::ColourTags::from_code_points(
        code(c.primaries()),
        code(c.transfer_characteristics()),
        code(c.matrix_coefficients()),
        full_range,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_matrix() {
        let one = 0x10000;
        assert_eq!(rotation_from_matrix(one, 0), 0);
        assert_eq!(rotation_from_matrix(0, one), 90);
        assert_eq!(rotation_from_matrix(-one, 0), 180);
        assert_eq!(rotation_from_matrix(0, -one), 270);
        assert_eq!(rotation_from_matrix(0, 0), 0);
    }

    fn clip(name: &str) -> Option<Vec<u8>> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
        match std::fs::read(&path) {
            Ok(b) => Some(b),
            Err(_) => {
                eprintln!("skipped: {} is absent", path.display());
                None
            }
        }
    }

    fn tags(p: u8, t: u8, m: u8, full: Option<bool>) -> crate::video::ColourTags {
        crate::video::ColourTags { primaries: Some(p), transfer: Some(t), matrix: Some(m), full_range: full }
    }

    #[test]
    fn colour_from_the_container() {
        // Committed clips (scripts/make-container-clips.sh): nclx, nclc, Matroska Colour.
        let cases = [
            ("tests/data/clips/colr_nclx_fullrange601.mp4", tags(5, 6, 5, Some(true))),
            ("tests/data/clips/colr_nclc_hlg.mov", tags(9, 18, 9, None)),
            ("tests/data/clips/colour_bt709.mkv", tags(1, 1, 1, Some(false))),
            ("tests/data/clips/frag_negative_cts.mp4", crate::video::ColourTags::default()),
            // Shared real clips (box dump: lp_d13 / mb_edts nclx 1/1/1 limited; the derived
            // full-range clip nclx 5/6/5 full; the HLG MOV nclc 9/18/9).
            ("../../shared/clips/lp_d13.mp4", tags(1, 1, 1, Some(false))),
            ("../../shared/clips/mb_edts.mp4", tags(1, 1, 1, Some(false))),
            ("../../shared/clips/derived_lp_d13_fullrange601.mp4", tags(5, 6, 5, Some(true))),
            ("../../shared/clips/derived_lp_d13_hlg10_rot.mov", tags(9, 18, 9, None)),
        ];
        for (name, want) in cases {
            let Some(bytes) = clip(name) else { continue };
            let track = demux(&bytes, &VideoLimits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(track.colour, want, "{name}");
        }
    }

    #[test]
    fn edit_lists() {
        let e = |segment_duration, media_time| Edit { segment_duration, media_time, normal_rate: true };
        let raw = [0i64, 10, 20, 30, 40];
        let durations = [10u64; 5];
        // Movie timescale 100, media 1000: one movie tick is 10 media ticks.
        let (pts, shown, duration) = apply_edits(&[e(2, -1), e(3, 10)], 100, 1000, &raw, &durations).unwrap();
        assert_eq!(shown, [false, true, true, true, false]);
        assert_eq!(&pts[1..4], &[20, 30, 40]);
        assert_eq!(duration, 50);
        // A last edit of duration 0 runs to the end.
        let (_, shown, duration) = apply_edits(&[e(0, 20)], 100, 1000, &raw, &durations).unwrap();
        assert_eq!(shown, [false, false, true, true, true]);
        assert_eq!(duration, 30);
        // Rate other than 1, nothing shown, no movie timescale: ignored.
        let slow = Edit { normal_rate: false, ..e(5, 0) };
        assert!(apply_edits(&[slow], 100, 1000, &raw, &durations).is_none());
        assert!(apply_edits(&[e(5, 1000)], 100, 1000, &raw, &durations).is_none());
        assert!(apply_edits(&[e(5, 0)], 0, 1000, &raw, &durations).is_none());
        // elst version 0 and 1, with an empty edit.
        let mut v0 = vec![0, 0, 0, 0, 0, 0, 0, 2];
        v0.extend_from_slice(&[0, 0, 0, 7, 0xff, 0xff, 0xff, 0xff, 0, 1, 0, 0]);
        v0.extend_from_slice(&[0, 0, 0, 9, 0, 0, 4, 0, 0, 1, 0, 0]);
        assert_eq!(parse_elst(&v0), Some(vec![e(7, -1), e(9, 1024)]));
        let mut v1 = vec![1, 0, 0, 0, 0, 0, 0, 1];
        v1.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 3, 0, 2, 0, 0]);
        assert_eq!(parse_elst(&v1), Some(vec![Edit { normal_rate: false, ..e(5, 3) }]));
        // A count larger than the box: refused.
        assert_eq!(parse_elst(&[0, 0, 0, 0, 0, 0, 0, 9]), None);
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"\0\0\0\x18ftypisom\0\0\0\0"), Some(Container::Mp4));
        assert_eq!(sniff(&[0x1A, 0x45, 0xDF, 0xA3, 0x9F]), Some(Container::Matroska));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), None);
        assert_eq!(sniff(b""), None);
        // QuickTime without ftyp: a box walk must reach a moov.
        let mut qt = b"\0\0\0\x08wide\0\0\0\x10mdat01234567".to_vec();
        qt.extend_from_slice(b"\0\0\0\x08moov");
        assert_eq!(sniff(&qt), Some(Container::Mp4));
        assert_eq!(sniff(b"\0\0\0\x08wide\0\0\0\x10mdat0123"), None);
        assert_eq!(sniff(b"\0\0\0\x08free\0\0\0\x08mdat"), None);
    }
}
