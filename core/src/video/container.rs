//! Container sniffing and demuxing: ISO-BMFF (MP4, MOV, fragmented MP4) with `re_mp4`,
//! Matroska/WebM with `matroska-demuxer`. The output is one video [`Track`]: its codec, codec
//! configuration, sizes, rotation, timing and the byte ranges of its packets in decode order.

use std::io::Cursor;
use std::ops::Range;

use super::{Codec, Container, VideoLimits};
use crate::error::{Error, Result};

/// One coded packet (an access unit for H.264/HEVC, a frame or superframe for VP9).
#[derive(Debug, Clone)]
pub(crate) struct Packet {
    /// Byte range in [`Track::data`].
    pub range: Range<usize>,
    /// Presentation time in `timescale` units, from the start of the track.
    pub pts: i64,
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
    /// Track duration in `timescale` units.
    pub duration: u64,
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

/// Which container the bytes are, from their first bytes.
pub fn sniff(bytes: &[u8]) -> Option<Container> {
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        return Some(Container::Mp4);
    }
    if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Some(Container::Matroska);
    }
    None
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
    // Presentation times from 0 (fragmented files keep the B-frame composition offset).
    let t0 = track.samples.iter().map(|s| s.composition_timestamp).min().unwrap_or(0);
    let packets: Vec<Packet> = track
        .samples
        .iter()
        .map(|s| Packet {
            range: s.offset as usize..(s.offset.saturating_add(s.size)) as usize,
            pts: s.composition_timestamp.saturating_sub(t0),
        })
        .collect();
    // Fragmented files leave the moov duration at 0: fall back to the samples' own span.
    let span = track
        .samples
        .iter()
        .map(|s| s.composition_timestamp.saturating_sub(t0).saturating_add(s.duration as i64))
        .max()
        .unwrap_or(0)
        .max(0) as u64;
    let duration = if track.duration > 0 { track.duration.max(span) } else { span };
    Ok(Track {
        container: Container::Mp4,
        codec,
        config,
        coded: (coded.0 as u32, coded.1 as u32),
        rotation,
        timescale,
        duration,
        packets,
        owned: None,
    })
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
        packets.push(Packet { range: start..owned.len(), pts: pts.min(i64::MAX as u64) as i64 });
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
        packets,
        owned: Some(owned),
    })
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

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"\0\0\0\x18ftypisom\0\0\0\0"), Some(Container::Mp4));
        assert_eq!(sniff(&[0x1A, 0x45, 0xDF, 0xA3, 0x9F]), Some(Container::Matroska));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), None);
        assert_eq!(sniff(b""), None);
    }
}
