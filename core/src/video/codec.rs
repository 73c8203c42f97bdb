//! The [`VideoDecoder`] trait and its implementations: H.264 (`rusty_h264-decoder`), HEVC
//! (`rusty_h265`) and VP9 (`rusty_vp9`). Each is a thin adapter, so a codec can be swapped for
//! another crate without touching the demuxers, the sampler or the tests.

use std::collections::VecDeque;

use super::Codec;
use super::colour::ColourTags;
use crate::error::{Error, Result};

/// Samples of a decoded picture, tightly packed per plane (Y, Cb, Cr).
#[derive(Debug)]
pub enum Planes {
    /// 8-bit samples.
    U8([Vec<u8>; 3]),
    /// 9- to 16-bit samples (HEVC Main 10, VP9 profile 2).
    U16([Vec<u16>; 3]),
}

/// One decoded picture, cropped to its visible size, in the decoder's native YUV format.
#[derive(Debug)]
pub struct YuvPicture {
    /// Luma width in pixels.
    pub width: u32,
    /// Luma height in pixels.
    pub height: u32,
    /// Bits per sample (8, 10 or 12).
    pub bit_depth: u8,
    /// Chroma subsampling shifts (x, y): (1, 1) is 4:2:0, (1, 0) 4:2:2, (0, 0) 4:4:4.
    pub chroma_shift: (u8, u8),
    /// The planes.
    pub planes: Planes,
    /// The tag given to [`VideoDecoder::send`] with the packet that produced this picture.
    pub tag: Option<i64>,
}

impl YuvPicture {
    /// Width and height of the chroma planes.
    pub fn chroma_size(&self) -> (u32, u32) {
        (
            (self.width + (1 << self.chroma_shift.0) - 1) >> self.chroma_shift.0,
            (self.height + (1 << self.chroma_shift.1) - 1) >> self.chroma_shift.1,
        )
    }

    /// The planes as ffmpeg's rawvideo lays them out (8-bit bytes, or 16-bit little-endian),
    /// Y then Cb then Cr. Used to compare with `ffmpeg -f framehash`.
    pub fn raw_bytes(&self) -> Vec<u8> {
        match &self.planes {
            Planes::U8(p) => p.concat(),
            Planes::U16(p) => p.iter().flatten().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }

    /// Overwrites the samples with zeros (they are biometric data).
    pub fn wipe(&mut self) {
        use zeroize::Zeroize;
        match &mut self.planes {
            Planes::U8(p) => p.iter_mut().for_each(|v| v.zeroize()),
            Planes::U16(p) => p.iter_mut().for_each(|v| v.zeroize()),
        }
    }
}

/// A video decoder: packets in (decode order), pictures out.
///
/// The contract, shared by every implementation:
/// - [`send`](Self::send) takes one packet as stored in the container (length-prefixed NAL
///   units for H.264/HEVC, a frame or superframe for VP9) and a caller's tag.
/// - [`receive`](Self::receive) returns the pictures that are ready, `Ok(None)` when it needs
///   more input; after [`flush`](Self::flush) it drains everything left.
/// - Pictures carry the tag of the packet that coded them, whatever order they come out in.
/// - Malformed input gives an [`Error`], never a panic; a stream using a coding tool the decoder
///   lacks gives [`Error::UnsupportedCodec`].
pub trait VideoDecoder: Send {
    /// Feeds one packet.
    fn send(&mut self, packet: &[u8], tag: i64) -> Result<()>;
    /// Ends the stream: every picture still held becomes available to `receive`.
    fn flush(&mut self) -> Result<()>;
    /// Next ready picture, or `None` if more input is needed (or the stream is drained).
    fn receive(&mut self) -> Result<Option<YuvPicture>>;
}

/// Builds the decoder for `codec`, configured with the container's codec record (avcC / hvcC;
/// ignored for VP9).
pub fn new_decoder(codec: &Codec, config: &[u8]) -> Result<Box<dyn VideoDecoder>> {
    match codec {
        Codec::H264 => Ok(Box::new(H264::new(config)?)),
        Codec::Hevc => Ok(Box::new(Hevc::new(config)?)),
        Codec::Vp9 => Ok(Box::new(Vp9::new())),
        Codec::Other(name) => Err(unsupported(name)),
    }
}

pub(crate) fn unsupported(name: &str) -> Error {
    Error::UnsupportedCodec(format!("{name}; this build decodes H.264 (AVC), HEVC (H.265) Main/Main 10 and VP9"))
}

fn bad(codec: &str, what: impl std::fmt::Display) -> Error {
    Error::Decode(format!("video: {codec} stream: {what}"))
}

// ---------------------------------------------------------------------------------------------
// Codec records and NAL helpers

/// Parameter sets and NAL length size from an avcC or hvcC record.
pub(crate) struct NalConfig {
    pub length_size: usize,
    pub parameter_sets: Vec<Vec<u8>>,
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]) as usize)
}

/// Parses an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1).
pub(crate) fn parse_avcc(rec: &[u8]) -> Option<NalConfig> {
    let rec = strip_box_header(rec, b"avcC");
    if rec.len() < 7 || rec[0] != 1 {
        return None;
    }
    let length_size = (rec[4] & 3) as usize + 1;
    let mut pos = 5;
    let mut sets = Vec::new();
    let nsps = (rec[pos] & 0x1f) as usize;
    pos += 1;
    for _ in 0..nsps {
        let len = be16(rec, pos)?;
        sets.push(rec.get(pos + 2..pos + 2 + len)?.to_vec());
        pos += 2 + len;
    }
    let npps = *rec.get(pos)? as usize;
    pos += 1;
    for _ in 0..npps {
        let len = be16(rec, pos)?;
        sets.push(rec.get(pos + 2..pos + 2 + len)?.to_vec());
        pos += 2 + len;
    }
    Some(NalConfig { length_size, parameter_sets: sets })
}

/// Parses an HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1).
pub(crate) fn parse_hvcc(rec: &[u8]) -> Option<NalConfig> {
    let rec = strip_box_header(rec, b"hvcC");
    if rec.len() < 23 {
        return None;
    }
    let length_size = (rec[21] & 3) as usize + 1;
    let narrays = rec[22] as usize;
    let mut pos = 23;
    let mut sets = Vec::new();
    for _ in 0..narrays {
        let n = be16(rec, pos + 1)?;
        pos += 3;
        for _ in 0..n {
            let len = be16(rec, pos)?;
            sets.push(rec.get(pos + 2..pos + 2 + len)?.to_vec());
            pos += 2 + len;
        }
    }
    Some(NalConfig { length_size, parameter_sets: sets })
}

fn strip_box_header<'a>(rec: &'a [u8], kind: &[u8; 4]) -> &'a [u8] {
    if rec.len() >= 8 && &rec[4..8] == kind { &rec[8..] } else { rec }
}

/// Splits a length-prefixed packet into its NAL units. `None` if a length runs past the end.
pub(crate) fn split_length_prefixed(packet: &[u8], length_size: usize) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < packet.len() {
        let mut len = 0usize;
        for i in 0..length_size {
            len = (len << 8) | *packet.get(pos + i)? as usize;
        }
        pos += length_size;
        let nal = packet.get(pos..pos.checked_add(len)?)?;
        if !nal.is_empty() {
            out.push(nal);
        }
        pos += len;
    }
    Some(out)
}

fn append_annex_b(out: &mut Vec<u8>, nal: &[u8]) {
    out.extend_from_slice(&[0, 0, 0, 1]);
    out.extend_from_slice(nal);
}

/// Removes emulation-prevention bytes (00 00 03 -> 00 00).
pub(crate) fn unescape(ebsp: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ebsp.len());
    let mut zeros = 0;
    for &b in ebsp {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

/// Packets are length-prefixed unless the record is missing and the packet is already Annex-B.
fn to_annex_b(packet: &[u8], length_size: usize) -> Option<Vec<u8>> {
    let nals = split_length_prefixed(packet, length_size)?;
    let mut out = Vec::with_capacity(packet.len() + 4 * nals.len());
    for nal in nals {
        append_annex_b(&mut out, nal);
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Colour description signalled in the bitstream

/// MSB-first bit reader over an RBSP, with Exp-Golomb codes. Every read is `None` past the end.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    fn u(&mut self, n: usize) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = *self.data.get(self.pos / 8)?;
            v = (v << 1) | ((byte >> (7 - self.pos % 8)) & 1) as u32;
            self.pos += 1;
        }
        Some(v)
    }

    fn flag(&mut self) -> Option<bool> {
        Some(self.u(1)? == 1)
    }

    fn ue(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while self.u(1)? == 0 {
            zeros += 1;
            if zeros > 31 {
                return None;
            }
        }
        Some(((1u64 << zeros) - 1 + self.u(zeros)? as u64).min(u32::MAX as u64) as u32)
    }

    fn se(&mut self) -> Option<i32> {
        let k = self.ue()? as i64;
        Some(if k % 2 == 1 { (k + 1) / 2 } else { -k / 2 } as i32)
    }
}

/// Colour tags of an H.264 SPS (its RBSP, after the NAL header byte): the VUI's
/// video_signal_type (H.264 §7.3.2.1.1, §E.1.1). Default tags when the VUI is absent.
fn h264_sps_colour(rbsp: &[u8]) -> Option<ColourTags> {
    let mut r = Bits::new(rbsp);
    let profile_idc = r.u(8)?;
    r.u(16)?; // constraint flags, level_idc
    r.ue()?; // seq_parameter_set_id
    if matches!(profile_idc, 100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135) {
        let chroma_format_idc = r.ue()?;
        if chroma_format_idc == 3 {
            r.u(1)?; // separate_colour_plane_flag
        }
        r.ue()?; // bit_depth_luma_minus8
        r.ue()?; // bit_depth_chroma_minus8
        r.u(1)?; // qpprime_y_zero_transform_bypass_flag
        if r.flag()? {
            let lists = if chroma_format_idc == 3 { 12 } else { 8 };
            for i in 0..lists {
                if r.flag()? {
                    let size = if i < 6 { 16 } else { 64 };
                    let (mut last, mut next) = (8i32, 8i32);
                    for _ in 0..size {
                        if next != 0 {
                            next = (last + r.se()? + 256).rem_euclid(256);
                        }
                        if next != 0 {
                            last = next;
                        }
                    }
                }
            }
        }
    }
    r.ue()?; // log2_max_frame_num_minus4
    match r.ue()? {
        0 => {
            r.ue()?; // log2_max_pic_order_cnt_lsb_minus4
        }
        1 => {
            r.u(1)?;
            r.se()?;
            r.se()?;
            let n = r.ue()?;
            if n > 255 {
                return None;
            }
            for _ in 0..n {
                r.se()?;
            }
        }
        _ => {}
    }
    r.ue()?; // max_num_ref_frames
    r.u(1)?; // gaps_in_frame_num_value_allowed_flag
    r.ue()?; // pic_width_in_mbs_minus1
    r.ue()?; // pic_height_in_map_units_minus1
    if !r.flag()? {
        r.u(1)?; // mb_adaptive_frame_field_flag
    }
    r.u(1)?; // direct_8x8_inference_flag
    if r.flag()? {
        for _ in 0..4 {
            r.ue()?; // frame_crop_*_offset
        }
    }
    if !r.flag()? {
        return Some(ColourTags::default()); // no VUI
    }
    if r.flag()? && r.u(8)? == 255 {
        r.u(32)?; // sar_width, sar_height
    }
    if r.flag()? {
        r.u(1)?; // overscan_appropriate_flag
    }
    if !r.flag()? {
        return Some(ColourTags::default()); // no video_signal_type
    }
    r.u(3)?; // video_format
    let full_range = r.flag()?;
    if r.flag()? {
        let (p, t, m) = (r.u(8)? as u8, r.u(8)? as u8, r.u(8)? as u8);
        Some(ColourTags::from_code_points(p, t, m, Some(full_range)))
    } else {
        Some(ColourTags { full_range: Some(full_range), ..ColourTags::default() })
    }
}

/// Colour tags of an HEVC SPS NAL unit (header included), from rusty_h265's VUI. The crate
/// zero-fills what the stream leaves out, so all-zero code points read as "absent" and a clear
/// range flag counts only alongside a colour description.
fn hevc_sps_colour(nal: &[u8]) -> Option<ColourTags> {
    let sps = rusty_h265::ps::parse_sps(&unescape(nal.get(2..)?)).ok()?;
    let Some(v) = sps.vui else { return Some(ColourTags::default()) };
    let (p, t, m) = (v.colour_primaries, v.transfer_characteristics, v.matrix_coeffs);
    let described = (p, t, m) != (0, 0, 0);
    let full_range = (v.video_full_range_flag || described).then_some(v.video_full_range_flag);
    if described {
        Some(ColourTags::from_code_points(p, t, m, full_range))
    } else {
        Some(ColourTags { full_range, ..ColourTags::default() })
    }
}

/// Colour tags of a VP9 key frame's uncompressed header (VP9 §6.2, color_config): color_space
/// maps to a matrix, color_range to the range (RGB, color_space 7, is always full range).
pub(crate) fn vp9_frame_colour(frame: &[u8]) -> Option<ColourTags> {
    let mut r = Bits::new(frame);
    if r.u(2)? != 2 {
        return None; // frame marker
    }
    let profile = r.u(1)? | (r.u(1)? << 1);
    if profile == 3 {
        r.u(1)?;
    }
    if r.flag()? {
        return None; // show_existing_frame
    }
    if r.flag()? {
        return None; // not a key frame
    }
    r.u(2)?; // show_frame, error_resilient_mode
    if r.u(24)? != 0x49_8342 {
        return None;
    }
    if profile >= 2 {
        r.u(1)?; // ten_or_twelve_bit
    }
    let cs = r.u(3)?;
    let full_range = if cs == 7 { true } else { r.flag()? };
    // CS_UNKNOWN, BT_601, BT_709, SMPTE_170, SMPTE_240, BT_2020, reserved, RGB.
    let matrix = match cs {
        1 | 3 => Some(6),
        2 => Some(1),
        4 => Some(7),
        5 => Some(9),
        7 => Some(0),
        _ => None,
    };
    Some(ColourTags { matrix, full_range: Some(full_range), ..ColourTags::default() })
}

/// The colour tags a stream's bitstream signals: from the first SPS of the codec record
/// (avcC/hvcC), else from the first in-band SPS (or VP9 key frame) among `packets`.
pub(crate) fn bitstream_colour<'a>(
    codec: &Codec,
    config: &[u8],
    packets: impl IntoIterator<Item = &'a [u8]>,
) -> ColourTags {
    let sps = |nal: &[u8]| -> Option<ColourTags> {
        match codec {
            Codec::H264 if nal.first().map(|b| b & 0x1f) == Some(7) => h264_sps_colour(&unescape(&nal[1..])),
            Codec::Hevc if nal.first().map(|b| (b >> 1) & 0x3f) == Some(33) => hevc_sps_colour(nal),
            _ => None,
        }
    };
    let record = match codec {
        Codec::H264 => parse_avcc(config),
        Codec::Hevc => parse_hvcc(config),
        _ => None,
    };
    if let Some(tags) = record.iter().flat_map(|c| c.parameter_sets.iter()).find_map(|ps| sps(ps)) {
        return tags;
    }
    let length_size = record.map(|c| c.length_size).unwrap_or(4);
    for packet in packets {
        let found = match codec {
            Codec::Vp9 => super::vp9_frames(packet).into_iter().find_map(vp9_frame_colour),
            _ => split_length_prefixed(packet, length_size).unwrap_or_default().into_iter().find_map(sps),
        };
        if found.is_some() {
            return found.unwrap_or_default();
        }
    }
    ColourTags::default()
}

// ---------------------------------------------------------------------------------------------
// H.264

struct H264 {
    dec: rusty_h264_decoder::Decoder,
    length_size: usize,
    ready: VecDeque<YuvPicture>,
}

impl H264 {
    fn new(config: &[u8]) -> Result<Self> {
        let cfg = parse_avcc(config).ok_or_else(|| bad("h264", "missing or malformed avcC"))?;
        let mut dec = rusty_h264_decoder::Decoder::new();
        let mut sets = Vec::new();
        for ps in &cfg.parameter_sets {
            append_annex_b(&mut sets, ps);
        }
        dec.decode(&sets).map_err(h264_err)?;
        Ok(Self { dec, length_size: cfg.length_size, ready: VecDeque::new() })
    }
}

fn h264_err(e: rusty_h264_decoder::DecodeError) -> Error {
    match e {
        rusty_h264_decoder::DecodeError::Unsupported(what) => {
            Error::UnsupportedCodec(format!("h264 stream uses {what}, which this decoder lacks"))
        }
        e => bad("h264", e),
    }
}

impl VideoDecoder for H264 {
    fn send(&mut self, packet: &[u8], tag: i64) -> Result<()> {
        let annex_b =
            to_annex_b(packet, self.length_size).ok_or_else(|| bad("h264", "NAL length runs past the packet"))?;
        // One call per coded slice, as the decoder's own stream loop does; the picture
        // completes (and is returned) with its last slice, inside this packet.
        for au in rusty_h264_decoder::split_access_units(&annex_b) {
            if let Some(f) = self.dec.decode(au).map_err(h264_err)? {
                let width = u32::try_from(f.width).unwrap_or(u32::MAX);
                let height = u32::try_from(f.height).unwrap_or(u32::MAX);
                self.ready.push_back(YuvPicture {
                    width,
                    height,
                    bit_depth: 8,
                    chroma_shift: (1, 1),
                    planes: Planes::U8([f.y, f.u, f.v]),
                    tag: Some(tag),
                });
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        Ok(())
    }

    fn receive(&mut self) -> Result<Option<YuvPicture>> {
        Ok(self.ready.pop_front())
    }
}

// ---------------------------------------------------------------------------------------------
// HEVC

struct Hevc {
    dec: rusty_h265::Decoder,
    length_size: usize,
}

impl Hevc {
    fn new(config: &[u8]) -> Result<Self> {
        let mut dec = rusty_h265::Decoder::new();
        let cfg = parse_hvcc(config).ok_or_else(|| bad("hevc", "missing or malformed hvcC"))?;
        for ps in &cfg.parameter_sets {
            dec.push_nal(ps, None).map_err(hevc_err)?;
        }
        Ok(Self { dec, length_size: cfg.length_size })
    }
}

fn hevc_err(e: rusty_h265::Error) -> Error {
    match e {
        rusty_h265::Error::Unsupported(what) => {
            Error::UnsupportedCodec(format!("hevc stream uses {what}, which this decoder lacks"))
        }
        rusty_h265::Error::Unimplemented(what) => {
            Error::UnsupportedCodec(format!("hevc stream uses {what}, which this decoder lacks"))
        }
        e => bad("hevc", e),
    }
}

impl VideoDecoder for Hevc {
    fn send(&mut self, packet: &[u8], tag: i64) -> Result<()> {
        let nals = split_length_prefixed(packet, self.length_size)
            .ok_or_else(|| bad("hevc", "NAL length runs past the packet"))?;
        let mut pts = Some(tag);
        for nal in nals {
            self.dec.push_nal(nal, pts.take()).map_err(hevc_err)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.dec.flush();
        Ok(())
    }

    fn receive(&mut self) -> Result<Option<YuvPicture>> {
        let f = match self.dec.next_frame() {
            Ok(f) => f,
            Err(rusty_h265::Error::Again | rusty_h265::Error::Eof) => return Ok(None),
            Err(e) => return Err(hevc_err(e)),
        };
        let p = &f.picture;
        let (sx, sy) = match p.chroma_format_idc {
            1 => (1u8, 1u8),
            2 => (1, 0),
            3 => (0, 0),
            _ => return Err(Error::UnsupportedCodec("hevc monochrome (4:0:0)".into())),
        };
        let (cx, cy, cw, ch) = p.crop;
        let crop = |plane: &rusty_h265::Plane, x0: usize, y0: usize, w: usize, h: usize| {
            let mut out = Vec::with_capacity(w * h);
            for y in y0..y0 + h {
                let start = y * plane.stride + x0;
                match plane.data.get(start..start + w) {
                    Some(row) => out.extend_from_slice(row),
                    None => out.resize(out.len() + w, 0),
                }
            }
            out
        };
        let (ccx, ccy) = (cx >> sx, cy >> sy);
        let (ccw, cch) = ((cw + (1 << sx) - 1) >> sx, (ch + (1 << sy) - 1) >> sy);
        let y = crop(&p.planes[0], cx, cy, cw, ch);
        let u = crop(&p.planes[1], ccx, ccy, ccw, cch);
        let v = crop(&p.planes[2], ccx, ccy, ccw, cch);
        let bit_depth = p.bit_depth_luma.max(p.bit_depth_chroma);
        let planes = if bit_depth > 8 {
            Planes::U16([y, u, v])
        } else {
            let narrow = |v: Vec<u16>| v.into_iter().map(|s| s as u8).collect::<Vec<u8>>();
            Planes::U8([narrow(y), narrow(u), narrow(v)])
        };
        Ok(Some(YuvPicture {
            width: cw as u32,
            height: ch as u32,
            bit_depth,
            chroma_shift: (sx, sy),
            planes,
            tag: f.pts,
        }))
    }
}

// ---------------------------------------------------------------------------------------------
// VP9

struct Vp9 {
    dec: rusty_vp9::Vp9Decoder,
}

impl Vp9 {
    fn new() -> Self {
        Self { dec: rusty_vp9::Vp9Decoder::new() }
    }
}

fn vp9_err(e: rusty_vp9::Error) -> Error {
    bad("vp9", e)
}

impl VideoDecoder for Vp9 {
    fn send(&mut self, packet: &[u8], tag: i64) -> Result<()> {
        if packet.is_empty() {
            return Err(bad("vp9", "empty packet"));
        }
        self.dec.push(packet, Some(tag)).map_err(vp9_err)
    }

    fn flush(&mut self) -> Result<()> {
        self.dec.flush();
        Ok(())
    }

    fn receive(&mut self) -> Result<Option<YuvPicture>> {
        // `Again` also follows a hidden (alt-ref) frame while coded frames remain queued, and
        // the queue is not visible: retry a bounded number of times (a superframe holds at
        // most 8 frames; an empty queue answers `Again` at once without work).
        let mut tries = 0;
        let f = loop {
            match self.dec.next_frame() {
                Ok(f) => break f,
                Err(rusty_vp9::Error::Again) if tries < 16 => tries += 1,
                Err(rusty_vp9::Error::Again | rusty_vp9::Error::Eof) => return Ok(None),
                Err(e) => return Err(vp9_err(e)),
            }
        };
        let (sx, sy) = (f.subsampling_x.min(1) as u8, f.subsampling_y.min(1) as u8);
        let mut planes = f.planes;
        if planes.len() != 3 {
            return Err(bad("vp9", "decoder returned a picture without three planes"));
        }
        let v = planes.pop().unwrap_or_default();
        let u = planes.pop().unwrap_or_default();
        let y = planes.pop().unwrap_or_default();
        let planes = if f.bit_depth > 8 {
            let wide = |b: Vec<u8>| b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect::<Vec<u16>>();
            Planes::U16([wide(y), wide(u), wide(v)])
        } else {
            Planes::U8([y, u, v])
        };
        Ok(Some(YuvPicture {
            width: f.width,
            height: f.height,
            bit_depth: f.bit_depth as u8,
            chroma_shift: (sx, sy),
            planes,
            tag: f.pts,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_removes_emulation_prevention() {
        assert_eq!(unescape(&[0, 0, 3, 1, 0, 0, 3, 0]), vec![0, 0, 1, 0, 0, 0]);
        assert_eq!(unescape(&[1, 2, 3]), vec![1, 2, 3]);
    }

    /// SPS of core/tests/data/clips/colour_lp_d13_bt709_small.mp4 (x264, High, BT.709 VUI).
    const SPS_709: [u8; 28] = [
        0x67, 0x64, 0x00, 0x0c, 0xac, 0xb2, 0x04, 0x84, 0x36, 0x02, 0xd4, 0x04, 0x04, 0x05, 0x00, 0x00, 0x03, 0x00,
        0x01, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x0f, 0x14, 0x2a, 0x48,
    ];

    #[test]
    fn h264_vui_colour() {
        let tags = h264_sps_colour(&unescape(&SPS_709[1..])).unwrap();
        assert_eq!(tags, ColourTags::from_code_points(1, 1, 1, Some(false)));
        // In-band SPS (no avcC parameter set): found in the first packet.
        let mut packet = (SPS_709.len() as u32).to_be_bytes().to_vec();
        packet.extend_from_slice(&SPS_709);
        assert_eq!(bitstream_colour(&Codec::H264, &[], [&packet[..]]), tags);
        // Truncated or garbage SPS: no panic, at most no tags.
        for n in 0..SPS_709.len() {
            let _ = h264_sps_colour(&unescape(&SPS_709[1..n.max(1)]));
        }
        assert_eq!(bitstream_colour(&Codec::H264, &[1, 2, 3], [&[0u8, 0, 0, 9, 0x67][..]]), ColourTags::default());
    }

    #[test]
    fn vp9_colour_config() {
        // Profile 0 key frame: marker 10, profile 00, show_existing 0, key 0, show 1, err 0,
        // sync code, color_space 2 (BT.709), color_range 1.
        let frame = [0b1000_0010, 0x49, 0x83, 0x42, 0b0101_0000];
        let tags = vp9_frame_colour(&frame).unwrap();
        assert_eq!((tags.matrix, tags.full_range), (Some(1), Some(true)));
        assert_eq!(vp9_frame_colour(&frame[..3]), None);
    }

    #[test]
    fn length_prefixed_split() {
        let p = [0, 0, 0, 2, 9, 9, 0, 0, 0, 1, 7];
        assert_eq!(split_length_prefixed(&p, 4), Some(vec![&[9u8, 9][..], &[7u8][..]]));
        assert_eq!(split_length_prefixed(&[0, 0, 0, 9, 1], 4), None);
    }
}
