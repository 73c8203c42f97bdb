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
