//! Short selfie clips: container sniffing, demuxing, decoding and even frame sampling, all in
//! process and in pure Rust (no system library, so the Python wheel and the Node addon stay
//! self-contained). Behind the `video` cargo feature (on by default).
//!
//! ```no_run
//! use ozinstant::video::{decode, VideoOptions};
//! let bytes = std::fs::read("selfie.mp4")?;
//! let clip = decode(&bytes, &VideoOptions::default())?;
//! for f in &clip.frames {
//!     println!("frame {} at {} ms: {}x{} RGB", f.index, f.timestamp_ms, f.width, f.height);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Pipeline: [`sniff`] the container (ISO-BMFF `ftyp` or the EBML magic) → demux the first
//! video track (`re_mp4` for MP4/MOV/fragmented MP4, `matroska-demuxer` for WebM/Matroska) →
//! check every limit from the headers → decode the packets once, in decode order, with a
//! [`VideoDecoder`] → keep only the frames wanted by the sampler → convert them to RGB8 with the
//! track's display rotation applied. See `docs/VIDEO.md`.

mod codec;
mod colour;
mod container;
mod convert;

use std::collections::HashSet;

use zeroize::Zeroizing;

pub use crate::frame::sample_indices;
pub use codec::{Planes, VideoDecoder, YuvPicture, new_decoder};
pub use colour::{Colour, ColourSource, ColourTags};
pub use container::sniff;

use crate::error::{Error, Result};

/// Container formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Container {
    /// ISO base media file format: MP4, MOV (QuickTime), fragmented MP4, 3GP.
    Mp4,
    /// Matroska, including WebM.
    Matroska,
}

impl Container {
    /// Stable lower-case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Matroska => "matroska",
        }
    }
}

/// Video codecs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Codec {
    /// H.264 / AVC.
    H264,
    /// H.265 / HEVC (Main, Main 10).
    Hevc,
    /// VP9.
    Vp9,
    /// Any other codec, by its container name (`vp8`, `av1`, `mp4v`, ...): not decodable here.
    Other(String),
}

impl Codec {
    /// Stable lower-case name.
    pub fn as_str(&self) -> &str {
        match self {
            Codec::H264 => "h264",
            Codec::Hevc => "hevc",
            Codec::Vp9 => "vp9",
            Codec::Other(name) => name,
        }
    }

    pub(crate) fn is_other(&self) -> bool {
        matches!(self, Codec::Other(_))
    }
}

/// Bounds on the work one clip may cause. All are checked from the container and parameter-set
/// headers before the first packet is decoded; the decoded frame size is checked again after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoLimits {
    /// Largest encoded clip, in bytes.
    pub max_bytes: u64,
    /// Longest clip, in milliseconds.
    pub max_duration_ms: u64,
    /// Most frames (video packets) in the clip. Every packet up to the last wanted frame is
    /// decoded, so this bounds the decode work.
    pub max_frames: usize,
    /// Most pixels per coded picture (width × height).
    pub max_pixels: u64,
    /// Longest coded side, in pixels.
    pub max_side: u32,
}

impl Default for VideoLimits {
    fn default() -> Self {
        Self {
            max_bytes: 64 * 1024 * 1024,
            max_duration_ms: 30_000,
            max_frames: 1_800,
            // 1920x1088 (a 1080p stream's coded size) and its portrait twin.
            max_pixels: 1920 * 1088,
            max_side: 1920,
        }
    }
}

/// What to take from a clip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoOptions {
    /// How many frames to sample, evenly spread over the clip (first and last included).
    pub frames: usize,
    /// Work bounds.
    pub limits: VideoLimits,
}

impl Default for VideoOptions {
    fn default() -> Self {
        Self { frames: 8, limits: VideoLimits::default() }
    }
}

/// Facts about a clip, from its headers.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoInfo {
    /// Container format.
    pub container: Container,
    /// Video codec.
    pub codec: Codec,
    /// Coded picture size (as stored, before rotation), from the sample/track entry.
    pub coded_width: u32,
    /// Coded picture height.
    pub coded_height: u32,
    /// Size as displayed, after rotation.
    pub display_width: u32,
    /// Displayed height.
    pub display_height: u32,
    /// Clockwise display rotation in degrees (0, 90, 180, 270), from the MP4 tkhd matrix.
    pub rotation: u16,
    /// Duration in milliseconds (of the edit list, when the MP4 track has one).
    pub duration_ms: u64,
    /// Number of video frames presented. Samples that the edit list hides are decoded (they
    /// may be references) but not counted.
    pub frame_count: usize,
    /// Mean frame rate (frames / duration).
    pub fps: f64,
    /// Colour description the frames are converted with (matrix, range, transfer, primaries
    /// and where they came from); HLG and PQ clips are tone-mapped to SDR BT.709.
    pub colour: Colour,
}

/// One sampled frame, rotated for display, as packed RGB8.
pub struct VideoFrame {
    /// Index of the frame in presentation order (0-based).
    pub index: usize,
    /// Presentation time from the start of the clip, in milliseconds.
    pub timestamp_ms: u64,
    /// Clockwise rotation already applied to `rgb` (degrees).
    pub rotation: u16,
    /// Width of `rgb` in pixels.
    pub width: u32,
    /// Height of `rgb` in pixels.
    pub height: u32,
    /// Packed RGB8, `width * height * 3` bytes, wiped on drop.
    pub rgb: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for VideoFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoFrame")
            .field("index", &self.index)
            .field("timestamp_ms", &self.timestamp_ms)
            .field("rotation", &self.rotation)
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

/// The result of [`decode`]: the clip's facts and its sampled frames, in presentation order.
#[derive(Debug)]
pub struct SampledVideo {
    /// Facts about the clip.
    pub info: VideoInfo,
    /// The sampled frames. Fewer than asked if the clip is shorter, or if the decoder produced
    /// no picture for some packet.
    pub frames: Vec<VideoFrame>,
}

/// Reads a clip's headers and checks the limits, without decoding any frame.
pub fn probe(bytes: &[u8], limits: &VideoLimits) -> Result<VideoInfo> {
    contained(|| Ok(open(bytes, limits)?.info))
}

/// Runs the demuxers and decoders with panics contained: a panic inside a third-party crate
/// (for example an arithmetic overflow that only debug builds check, as in re_mp4 0.5.1's
/// reader on a corrupted `stsz`) becomes `decode_failed`, as for the image decoders.
fn contained<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("no message");
        Err(Error::Decode(format!("the video demuxer or decoder panicked: {msg}")))
    })
}

/// Decodes a clip once and returns `options.frames` frames sampled evenly over it, in
/// presentation order. Every sampled frame is held at once: to keep memory flat whatever
/// `frames` is, use [`decode_with`].
pub fn decode(bytes: &[u8], options: &VideoOptions) -> Result<SampledVideo> {
    let mut frames = Vec::with_capacity(options.frames.min(64));
    let info = decode_with(bytes, options, &mut |frame| {
        frames.push(frame);
        Ok(())
    })?;
    frames.sort_by_key(|f| f.index);
    Ok(SampledVideo { info, frames })
}

/// Decodes a clip once and hands each of the `options.frames` sampled frames to `on_frame` as
/// soon as it is decoded and converted, then returns the clip's facts. Frames arrive in decode
/// order (B-frames can make it differ from presentation order: [`VideoFrame::index`] is the
/// presentation index), and this function holds none of them: peak memory is the decoder's
/// reference pictures plus what `on_frame` keeps. An error from `on_frame` stops the decoding
/// and is returned as it is.
pub fn decode_with(
    bytes: &[u8],
    options: &VideoOptions,
    on_frame: &mut dyn FnMut(VideoFrame) -> Result<()>,
) -> Result<VideoInfo> {
    contained(|| decode_inner(bytes, options, on_frame))
}

fn decode_inner(
    bytes: &[u8],
    options: &VideoOptions,
    on_frame: &mut dyn FnMut(VideoFrame) -> Result<()>,
) -> Result<VideoInfo> {
    let opened = open(bytes, &options.limits)?;
    let wanted = sample_indices(opened.info.frame_count, options.frames);
    let rotation = opened.info.rotation;
    let colour = opened.info.colour;
    run(bytes, &opened, &options.limits, Some(&wanted), &mut |index, timestamp_ms, pic| {
        let (width, height, rgb) = convert::to_rgb(pic, rotation, &colour);
        on_frame(VideoFrame { index, timestamp_ms, rotation, width, height, rgb })
    })?;
    Ok(opened.info)
}

/// Decodes every frame of a clip and hands each picture, in the decoder's native YUV and in
/// decode order, to `visit(index_in_presentation_order, timestamp_ms, picture)`. For tests
/// (bit-exactness against a reference decoder) and tools.
pub fn decode_each(
    bytes: &[u8],
    limits: &VideoLimits,
    mut visit: impl FnMut(usize, u64, &YuvPicture),
) -> Result<VideoInfo> {
    contained(|| {
        let opened = open(bytes, limits)?;
        run(bytes, &opened, limits, None, &mut |index, ms, pic| {
            visit(index, ms, pic);
            Ok(())
        })?;
        Ok(opened.info)
    })
}

struct Opened {
    info: VideoInfo,
    track: container::Track,
    /// Presentation index of each packet (decode order); `None` for a packet that the edit
    /// list hides.
    display_index: Vec<Option<usize>>,
    /// Number of presented packets.
    shown: usize,
}

fn too_long(reason: String) -> Error {
    Error::VideoTooLong { reason }
}

fn check_size(w: u32, h: u32, limits: &VideoLimits, what: &str) -> Result<()> {
    if w.max(h) > limits.max_side {
        return Err(Error::ImageTooLarge {
            width: w,
            height: h,
            reason: format!("{what}: longest side over {} pixels", limits.max_side),
        });
    }
    if w as u64 * h as u64 > limits.max_pixels {
        return Err(Error::ImageTooLarge {
            width: w,
            height: h,
            reason: format!("{what}: over {} pixels", limits.max_pixels),
        });
    }
    Ok(())
}

fn open(bytes: &[u8], limits: &VideoLimits) -> Result<Opened> {
    if bytes.is_empty() {
        return Err(Error::InvalidInput("empty video".into()));
    }
    if bytes.len() as u64 > limits.max_bytes {
        return Err(Error::MediaTooLarge { size: bytes.len() as u64, limit: limits.max_bytes });
    }
    let track = container::demux(bytes, limits)?;
    if let Codec::Other(name) = &track.codec {
        return Err(codec::unsupported(name));
    }
    let n = track.packets.len();
    if n == 0 {
        return Err(Error::Decode("video: the video track has no frames".into()));
    }
    if n > limits.max_frames {
        return Err(too_long(format!("{n} frames, over the limit of {}", limits.max_frames)));
    }
    let duration_ms = (track.duration as u128 * 1000 / track.timescale as u128) as u64;
    if duration_ms > limits.max_duration_ms {
        return Err(too_long(format!("duration {duration_ms} ms over the limit of {} ms", limits.max_duration_ms)));
    }
    let (cw, ch) = track.coded;
    check_size(cw, ch, limits, "sample entry")?;
    check_parameter_sets(&track.codec, &track.config, limits)?;

    // Presentation order of the shown packets only.
    let mut order: Vec<usize> = (0..n).filter(|&i| track.packets[i].shown).collect();
    order.sort_by_key(|&i| (track.packets[i].pts, i));
    let shown = order.len();
    let mut display_index = vec![None; n];
    for (rank, &i) in order.iter().enumerate() {
        display_index[i] = Some(rank);
    }
    let (display_width, display_height) = if track.rotation % 180 == 90 { (ch, cw) } else { (cw, ch) };
    let fps = if duration_ms > 0 { shown as f64 * 1000.0 / duration_ms as f64 } else { 0.0 };
    let info = VideoInfo {
        container: track.container,
        codec: track.codec.clone(),
        coded_width: cw,
        coded_height: ch,
        display_width,
        display_height,
        rotation: track.rotation,
        duration_ms,
        frame_count: shown,
        fps,
        // The bitstream's colour description (SPS VUI, VP9 header) first, then the container's.
        colour: colour::resolve(
            codec::bitstream_colour(&track.codec, &track.config, (0..n.min(8)).map(|i| track.packet(bytes, i))),
            track.colour,
        ),
    };
    Ok(Opened { info, track, display_index, shown })
}

/// Coded size announced by an H.264 or HEVC SPS NAL unit (header included), if it parses.
fn sps_size(codec: &Codec, nal: &[u8]) -> Option<(u32, u32)> {
    match codec {
        Codec::H264 if nal.first().map(|b| b & 0x1f) == Some(7) => {
            let sps = rusty_h264_decoder::Sps::parse(&codec::unescape(&nal[1..])).ok()?;
            let w = sps.pic_width_in_mbs.saturating_mul(16);
            let h = sps.pic_height_in_mbs.saturating_mul(16).saturating_mul(if sps.frame_mbs_only { 1 } else { 2 });
            Some((u32::try_from(w).unwrap_or(u32::MAX), u32::try_from(h).unwrap_or(u32::MAX)))
        }
        Codec::Hevc if nal.first().map(|b| (b >> 1) & 0x3f) == Some(33) && nal.len() > 2 => {
            let sps = rusty_h265::ps::parse_sps(&codec::unescape(&nal[2..])).ok()?;
            Some((sps.width, sps.height))
        }
        _ => None,
    }
}

fn check_parameter_sets(codec: &Codec, config: &[u8], limits: &VideoLimits) -> Result<()> {
    let cfg = match codec {
        Codec::H264 => codec::parse_avcc(config),
        Codec::Hevc => codec::parse_hvcc(config),
        _ => None,
    };
    for ps in cfg.iter().flat_map(|c| c.parameter_sets.iter()) {
        if let Some((w, h)) = sps_size(codec, ps) {
            check_size(w, h, limits, "sequence parameter set")?;
        }
    }
    Ok(())
}

/// Checks the sizes a packet announces before it reaches the decoder: in-band SPS NAL units
/// (H.264, HEVC) and VP9 key-frame headers.
fn check_packet(codec: &Codec, length_size: usize, packet: &[u8], limits: &VideoLimits) -> Result<()> {
    match codec {
        Codec::H264 | Codec::Hevc => {
            for nal in codec::split_length_prefixed(packet, length_size).unwrap_or_default() {
                if let Some((w, h)) = sps_size(codec, nal) {
                    check_size(w, h, limits, "sequence parameter set")?;
                }
            }
        }
        Codec::Vp9 => {
            for frame in vp9_frames(packet) {
                if let Some((w, h)) = vp9_frame_size(frame) {
                    check_size(w, h, limits, "vp9 frame header")?;
                }
            }
        }
        Codec::Other(_) => {}
    }
    Ok(())
}

/// The coded frames of a VP9 packet (a superframe holds several, indexed at its end).
fn vp9_frames(packet: &[u8]) -> Vec<&[u8]> {
    let Some(&marker) = packet.last() else { return Vec::new() };
    if marker & 0xe0 == 0xc0 {
        let frames = (marker & 7) as usize + 1;
        let mag = ((marker >> 3) & 3) as usize + 1;
        let index_len = 2 + mag * frames;
        if packet.len() >= index_len && packet[packet.len() - index_len] == marker {
            let mut out = Vec::new();
            let mut pos = 0usize;
            let mut at = packet.len() - index_len + 1;
            for _ in 0..frames {
                let mut size = 0usize;
                for b in 0..mag {
                    size |= (packet[at + b] as usize) << (8 * b);
                }
                at += mag;
                if let Some(f) = packet.get(pos..pos.saturating_add(size)) {
                    out.push(f);
                }
                pos = pos.saturating_add(size);
            }
            return out;
        }
    }
    vec![packet]
}

/// Frame size of a VP9 key frame or intra-only frame (from its uncompressed header).
fn vp9_frame_size(frame: &[u8]) -> Option<(u32, u32)> {
    let mut pos = 0usize;
    let mut bit = |n: usize| -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = *frame.get(pos / 8)?;
            v = (v << 1) | ((byte >> (7 - pos % 8)) & 1) as u32;
            pos += 1;
        }
        Some(v)
    };
    if bit(2)? != 2 {
        return None; // frame marker
    }
    let profile = bit(1)? | (bit(1)? << 1);
    if profile == 3 {
        bit(1)?;
    }
    if bit(1)? == 1 {
        return None; // show_existing_frame
    }
    let key = bit(1)? == 0;
    let _show = bit(1)?;
    let _error_res = bit(1)?;
    let color_config = |bit: &mut dyn FnMut(usize) -> Option<u32>| -> Option<()> {
        if profile >= 2 {
            bit(1)?;
        }
        let cs = bit(3)?;
        if cs != 7 {
            bit(1)?;
            if profile == 1 || profile == 3 {
                bit(3)?;
            }
        } else if profile == 1 || profile == 3 {
            bit(1)?;
        }
        Some(())
    };
    if key {
        if bit(24)? != 0x49_8342 {
            return None;
        }
        color_config(&mut bit)?;
    } else {
        // intra_only is only present in non-key frames, after show_frame/error_resilient and
        // (when !show_frame) ... the size only follows for intra-only frames: leave those to
        // the decoded-size check.
        return None;
    }
    let w = bit(16)? + 1;
    let h = bit(16)? + 1;
    Some((w, h))
}

fn run(
    bytes: &[u8],
    opened: &Opened,
    limits: &VideoLimits,
    wanted: Option<&[usize]>,
    visit: &mut dyn FnMut(usize, u64, &YuvPicture) -> Result<()>,
) -> Result<()> {
    let track = &opened.track;
    let n = track.packets.len();
    let length_size = match track.codec {
        Codec::H264 => codec::parse_avcc(&track.config).map(|c| c.length_size),
        Codec::Hevc => codec::parse_hvcc(&track.config).map(|c| c.length_size),
        _ => None,
    }
    .unwrap_or(4);
    // Wanted presentation indices; stop decoding once all are in.
    let mut remaining: HashSet<usize> = match wanted {
        Some(w) => w.iter().copied().collect(),
        None => (0..opened.shown).collect(),
    };
    let mut decoder = new_decoder(&track.codec, &track.config)?;
    let mut delivered = 0usize;
    let mut deliver = |pic: YuvPicture, remaining: &mut HashSet<usize>| -> Result<()> {
        check_size(pic.width, pic.height, limits, "decoded picture")?;
        let mut pic = pic;
        let Some(tag) = pic.tag.and_then(|t| usize::try_from(t).ok()).filter(|&t| t < n) else {
            pic.wipe();
            return Ok(());
        };
        // A picture that no edit presents is dropped here (its packet was still decoded).
        let Some(index) = opened.display_index[tag] else {
            pic.wipe();
            return Ok(());
        };
        if remaining.remove(&index) {
            let pts = track.packets[tag].pts.max(0) as u128;
            let ms = (pts * 1000 / track.timescale as u128) as u64;
            let visited = visit(index, ms, &pic);
            delivered += 1;
            pic.wipe();
            return visited;
        }
        pic.wipe();
        Ok(())
    };
    for i in 0..n {
        if remaining.is_empty() {
            break;
        }
        let packet = track.packet(bytes, i);
        check_packet(&track.codec, length_size, packet, limits)?;
        decoder.send(packet, i as i64)?;
        while let Some(pic) = decoder.receive()? {
            deliver(pic, &mut remaining)?;
        }
    }
    if !remaining.is_empty() {
        decoder.flush()?;
        while let Some(pic) = decoder.receive()? {
            deliver(pic, &mut remaining)?;
            if remaining.is_empty() {
                break;
            }
        }
    }
    if delivered == 0 {
        return Err(Error::Decode(format!("video: no {} frame could be decoded", track.codec.as_str())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_sampling() {
        assert_eq!(sample_indices(30, 8), vec![0, 4, 8, 12, 17, 21, 25, 29]);
        assert_eq!(sample_indices(5, 8), vec![0, 1, 2, 3, 4]);
        assert_eq!(sample_indices(10, 2), vec![0, 9]);
        assert_eq!(sample_indices(10, 1), vec![4]);
        assert_eq!(sample_indices(0, 8), Vec::<usize>::new());
        assert_eq!(sample_indices(9, 3), vec![0, 4, 8]);
    }

    #[test]
    fn vp9_superframe_index() {
        // Two frames of 2 and 1 bytes, 1-byte sizes: marker 0b110_00_001.
        let m = 0xc1;
        let p = [1, 2, 3, m, 2, 1, m];
        assert_eq!(vp9_frames(&p), vec![&[1u8, 2][..], &[3u8][..]]);
        assert_eq!(vp9_frames(&[5, 6]), vec![&[5u8, 6][..]]);
    }
}
