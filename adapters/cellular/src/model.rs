//! The supported modem models: names, USB ids, dialect family.

use std::fmt;
use std::str::FromStr;

use crate::error::CellularError;

/// A modem model. The names are the same everywhere: `--modem`,
/// `modem-sim --model`, the `modem` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Model {
    /// u-blox SARA-U201: the Hologram Nova 3G/2G.
    SaraU201,
    /// u-blox SARA-R404/R410M: the Hologram Nova LTE-M.
    SaraR410,
    /// Quectel BG96 (LTE-M/NB-IoT).
    Bg96,
    /// Quectel EC21 (LTE Cat 1).
    Ec21,
    /// Quectel EC25 (LTE Cat 4).
    Ec25,
    /// Huawei E303 (3G stick).
    E303,
    /// Huawei E372 (3G stick).
    E372,
    /// Huawei MS2131 (3G stick).
    Ms2131,
    /// Any other modem speaking 3GPP TS 27.007.
    Generic,
}

/// The AT dialect family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// u-blox SARA.
    Ublox,
    /// Quectel.
    Quectel,
    /// Huawei sticks: 27.007 plus `^` commands.
    Huawei,
    /// Plain 3GPP TS 27.007.
    Generic,
}

impl Model {
    /// Every model.
    pub const ALL: [Model; 9] = [
        Model::SaraU201,
        Model::SaraR410,
        Model::Bg96,
        Model::Ec21,
        Model::Ec25,
        Model::E303,
        Model::E372,
        Model::Ms2131,
        Model::Generic,
    ];

    /// The model's name (`sara-u201`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Model::SaraU201 => "sara-u201",
            Model::SaraR410 => "sara-r410",
            Model::Bg96 => "bg96",
            Model::Ec21 => "ec21",
            Model::Ec25 => "ec25",
            Model::E303 => "e303",
            Model::E372 => "e372",
            Model::Ms2131 => "ms2131",
            Model::Generic => "generic",
        }
    }

    /// What it is, in words (the reference SDK's `description`).
    pub fn description(self) -> &'static str {
        match self {
            Model::SaraU201 => "Hologram Nova Global 3G/2G Cellular USB Modem (u-blox SARA-U201)",
            Model::SaraR410 => {
                "Hologram Nova US 4G LTE Cat-M1 Cellular USB Modem (u-blox SARA-R410)"
            }
            Model::Bg96 => "Quectel BG96",
            Model::Ec21 => "Quectel EC21",
            Model::Ec25 => "Quectel EC25",
            Model::E303 => "Huawei E303",
            Model::E372 => "Huawei E372",
            Model::Ms2131 => "Huawei MS2131",
            Model::Generic => "3GPP TS 27.007 modem",
        }
    }

    /// Its dialect family.
    pub fn family(self) -> Family {
        match self {
            Model::SaraU201 | Model::SaraR410 => Family::Ublox,
            Model::Bg96 | Model::Ec21 | Model::Ec25 => Family::Quectel,
            Model::E303 | Model::E372 | Model::Ms2131 => Family::Huawei,
            Model::Generic => Family::Generic,
        }
    }

    /// Its USB vendor:product ids (from the reference SDK and the vendors).
    pub fn usb_ids(self) -> &'static [(u16, u16)] {
        match self {
            Model::SaraU201 => &[(0x1546, 0x1102), (0x1546, 0x1104)],
            Model::SaraR410 => &[(0x05c6, 0x90b2)],
            Model::Bg96 => &[(0x2c7c, 0x0296)],
            Model::Ec21 => &[(0x2c7c, 0x0121)],
            Model::Ec25 => &[(0x2c7c, 0x0125)],
            Model::E303 => &[(0x12d1, 0x1001)],
            Model::E372 => &[(0x12d1, 0x14c6)],
            Model::Ms2131 => &[(0x12d1, 0x1506)],
            Model::Generic => &[],
        }
    }

    /// The model with this USB id, if known.
    pub fn from_usb_id(vendor: u16, product: u16) -> Option<Model> {
        Model::ALL
            .into_iter()
            .find(|m| m.usb_ids().contains(&(vendor, product)))
    }

    /// The model an `AT+CGMM` (and `AT+CGMI`) answer names; `Generic`
    /// when unknown.
    pub fn from_identity(manufacturer: &str, model: &str) -> Model {
        let m = model.to_ascii_uppercase();
        let pairs: [(&str, Model); 8] = [
            ("SARA-U2", Model::SaraU201),
            ("SARA-R4", Model::SaraR410),
            ("BG96", Model::Bg96),
            ("EC21", Model::Ec21),
            ("EC25", Model::Ec25),
            ("E303", Model::E303),
            ("E372", Model::E372),
            ("MS2131", Model::Ms2131),
        ];
        if let Some((_, model)) = pairs.iter().find(|(k, _)| m.contains(k)) {
            return *model;
        }
        if manufacturer.to_ascii_lowercase().contains("huawei") {
            return Model::E303;
        }
        Model::Generic
    }

    /// Whether it registers on LTE (`+CEREG`).
    pub fn lte(self) -> bool {
        matches!(
            self,
            Model::SaraR410 | Model::Bg96 | Model::Ec21 | Model::Ec25
        )
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Model {
    type Err = CellularError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let want = s.trim().to_ascii_lowercase();
        Model::ALL
            .into_iter()
            .find(|m| m.name() == want)
            .ok_or_else(|| CellularError::InvalidSetting {
                setting: "modem",
                reason: format!(
                    "unknown model {s:?}: one of {}",
                    Model::ALL.map(Model::name).join(", ")
                ),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_ids() {
        for m in Model::ALL {
            assert_eq!(m.name().parse::<Model>().unwrap(), m);
            for (v, p) in m.usb_ids() {
                assert_eq!(Model::from_usb_id(*v, *p), Some(m));
            }
        }
        assert!("nova".parse::<Model>().is_err());
        assert_eq!(
            Model::from_identity("u-blox", "SARA-R410M-02B"),
            Model::SaraR410
        );
        assert_eq!(Model::from_identity("huawei", "E3531"), Model::E303);
        assert_eq!(Model::from_identity("x", "y"), Model::Generic);
    }
}
