//! Colour description of a clip: the ITU-T H.273 (ISO/IEC 23091-2) code points that the
//! bitstream (H.264/HEVC VUI, the VP9 colour config) and the container (`colr`/`nclx` in MP4,
//! the Matroska `Colour` element) carry, and how they are resolved into one description.

/// Colour code points as signalled, each `None` when absent or "unspecified" (2).
///
/// Values are ITU-T H.273 code points, the same numbers in every source:
/// - `primaries`: 1 BT.709, 5 BT.470BG, 6 SMPTE 170M, 9 BT.2020 ...
/// - `transfer`: 1 BT.709, 6 SMPTE 170M, 13 sRGB, 14/15 BT.2020, 16 PQ (SMPTE ST 2084),
///   18 HLG (ARIB STD-B67) ...
/// - `matrix`: 0 identity (GBR), 1 BT.709, 5 BT.470BG, 6 SMPTE 170M, 9 BT.2020 NCL ...
/// - `full_range`: the video_full_range_flag (`true` = 0..255 "pc" range).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColourTags {
    /// Colour primaries (H.273 table 2).
    pub primaries: Option<u8>,
    /// Transfer characteristics (H.273 table 3).
    pub transfer: Option<u8>,
    /// Matrix coefficients (H.273 table 4).
    pub matrix: Option<u8>,
    /// Full (`true`) or limited (`false`) range.
    pub full_range: Option<bool>,
}

impl ColourTags {
    /// Builds tags from raw code points, mapping "unspecified" (2) and the reserved value 0 for
    /// primaries/transfer to `None`.
    pub fn from_code_points(primaries: u8, transfer: u8, matrix: u8, full_range: Option<bool>) -> Self {
        let known = |v: u8| (v != 2).then_some(v);
        ColourTags {
            primaries: known(primaries).filter(|&v| v != 0),
            transfer: known(transfer).filter(|&v| v != 0),
            matrix: known(matrix),
            full_range,
        }
    }

    /// True when nothing is signalled.
    pub fn is_empty(&self) -> bool {
        *self == ColourTags::default()
    }
}

/// Where a clip's colour description came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColourSource {
    /// The coded bitstream (H.264/HEVC SPS VUI, the VP9 frame header): at least one field.
    Bitstream,
    /// The container (`colr` in MP4/MOV, `Colour` in Matroska), with nothing in the bitstream.
    Container,
    /// Nothing signalled: ffmpeg's default for untagged streams, BT.601 limited range.
    Default,
}

impl ColourSource {
    /// Stable lower-case name: `bitstream`, `container` or `default`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ColourSource::Bitstream => "bitstream",
            ColourSource::Container => "container",
            ColourSource::Default => "default",
        }
    }
}

/// The colour description a clip is converted with, resolved field by field: the bitstream
/// first, then the container, then ffmpeg's default for untagged streams (BT.601 matrix,
/// limited range; ffmpeg 5.1's `swscale` uses BT.601 for untagged SD and HD alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour {
    /// Matrix coefficients used (H.273 code point; 5 and 6, both BT.601, resolve to 6).
    pub matrix: u8,
    /// Full (`true`, 0..255) or limited (`false`, 16..235) range.
    pub full_range: bool,
    /// Transfer characteristics as signalled, `None` when unspecified.
    pub transfer: Option<u8>,
    /// Colour primaries as signalled, `None` when unspecified.
    pub primaries: Option<u8>,
    /// Where the description came from.
    pub source: ColourSource,
}

/// H.273 transfer code point of HLG (ARIB STD-B67).
pub const TRANSFER_HLG: u8 = 18;
/// H.273 transfer code point of PQ (SMPTE ST 2084).
pub const TRANSFER_PQ: u8 = 16;

impl Default for Colour {
    fn default() -> Self {
        resolve(ColourTags::default(), ColourTags::default())
    }
}

impl Colour {
    /// True for HDR transfers (HLG, PQ), which are tone-mapped to SDR BT.709 before analysis.
    pub fn tone_mapped(&self) -> bool {
        matches!(self.transfer, Some(TRANSFER_HLG | TRANSFER_PQ))
    }

    /// Luma coefficients (Kr, Kb) of the matrix, `None` for identity (GBR).
    pub fn kr_kb(&self) -> Option<(f64, f64)> {
        Some(match self.matrix {
            0 => return None,
            1 => (0.2126, 0.0722),
            4 => (0.30, 0.11),
            7 => (0.212, 0.087),
            9 | 10 => (0.2627, 0.0593),
            _ => (0.299, 0.114),
        })
    }

    /// Stable lower-case name of the matrix: `bt601`, `bt709`, `bt2020nc`, `bt2020c`, `gbr`,
    /// `fcc`, `smpte240m`.
    pub fn matrix_name(&self) -> &'static str {
        match self.matrix {
            0 => "gbr",
            1 => "bt709",
            4 => "fcc",
            7 => "smpte240m",
            9 => "bt2020nc",
            10 => "bt2020c",
            _ => "bt601",
        }
    }

    /// `full` or `limited`.
    pub fn range_name(&self) -> &'static str {
        if self.full_range { "full" } else { "limited" }
    }

    /// Stable lower-case name of the transfer (ffmpeg's names, `hlg` and `pq` for the HDR
    /// ones), `unspecified` when not signalled.
    pub fn transfer_name(&self) -> &'static str {
        match self.transfer {
            None => "unspecified",
            Some(1) => "bt709",
            Some(4) => "gamma22",
            Some(5) => "gamma28",
            Some(6) => "smpte170m",
            Some(7) => "smpte240m",
            Some(8) => "linear",
            Some(11) => "iec61966-2-4",
            Some(13) => "srgb",
            Some(14) => "bt2020-10",
            Some(15) => "bt2020-12",
            Some(TRANSFER_PQ) => "pq",
            Some(TRANSFER_HLG) => "hlg",
            Some(_) => "other",
        }
    }

    /// Stable lower-case name of the primaries (ffmpeg's names), `unspecified` when not
    /// signalled.
    pub fn primaries_name(&self) -> &'static str {
        match self.primaries {
            None => "unspecified",
            Some(1) => "bt709",
            Some(4) => "bt470m",
            Some(5) => "bt470bg",
            Some(6) => "smpte170m",
            Some(7) => "smpte240m",
            Some(8) => "film",
            Some(9) => "bt2020",
            Some(10) => "smpte428",
            Some(11) => "smpte431",
            Some(12) => "smpte432",
            Some(22) => "ebu3213",
            Some(_) => "other",
        }
    }
}

/// Resolves the description a clip is converted with: each field from the bitstream when it
/// signals it, else from the container, else the default (BT.601, limited range).
pub fn resolve(bitstream: ColourTags, container: ColourTags) -> Colour {
    let source = if !bitstream.is_empty() {
        ColourSource::Bitstream
    } else if !container.is_empty() {
        ColourSource::Container
    } else {
        ColourSource::Default
    };
    let matrix = match bitstream.matrix.or(container.matrix) {
        // Known matrices; anything else (reserved, YCgCo, chroma-derived, ICtCp) falls back to
        // BT.601 (or BT.2020 when the primaries say so).
        Some(m @ (0 | 1 | 4 | 6 | 7 | 9 | 10)) => m,
        Some(5) => 6,
        _ if bitstream.primaries.or(container.primaries) == Some(9) => 9,
        _ => 6,
    };
    Colour {
        matrix,
        full_range: bitstream.full_range.or(container.full_range).unwrap_or(false),
        transfer: bitstream.transfer.or(container.transfer),
        primaries: bitstream.primaries.or(container.primaries),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_order() {
        let none = ColourTags::default();
        let c = resolve(none, none);
        assert_eq!((c.matrix_name(), c.range_name(), c.source), ("bt601", "limited", ColourSource::Default));
        let bt709 = ColourTags::from_code_points(1, 1, 1, Some(false));
        let full601 = ColourTags::from_code_points(5, 6, 5, Some(true));
        let c = resolve(none, full601);
        assert_eq!((c.matrix_name(), c.range_name(), c.source), ("bt601", "full", ColourSource::Container));
        // The bitstream wins field by field; a field it leaves out comes from the container.
        let range_only = ColourTags { full_range: Some(false), ..none };
        let c = resolve(range_only, full601);
        assert_eq!((c.matrix_name(), c.range_name(), c.source), ("bt601", "limited", ColourSource::Bitstream));
        let c = resolve(bt709, full601);
        assert_eq!((c.matrix_name(), c.transfer_name(), c.primaries_name()), ("bt709", "bt709", "bt709"));
        let hlg = resolve(ColourTags::from_code_points(9, 18, 9, Some(false)), none);
        assert!(hlg.tone_mapped());
        assert_eq!((hlg.matrix_name(), hlg.transfer_name(), hlg.primaries_name()), ("bt2020nc", "hlg", "bt2020"));
        assert!(!c.tone_mapped());
    }
}
