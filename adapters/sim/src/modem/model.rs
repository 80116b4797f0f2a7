//! The simulated models: names, identities and which dialect each speaks.

use std::fmt;
use std::str::FromStr;

/// A modem model the simulator can play. The names are the SDK's model
/// names, the same in `--modem`, `modem-sim --model` and the `modem`
/// setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SimModel {
    /// u-blox SARA-U201 (Hologram Nova 3G).
    SaraU201,
    /// u-blox SARA-R410M (Hologram Nova LTE-M).
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
    /// A plain 3GPP TS 27.007 modem.
    Generic,
}

/// The AT dialect family of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Ublox,
    Quectel,
    Huawei,
    Generic,
}

impl SimModel {
    /// Every model.
    pub const ALL: [SimModel; 9] = [
        SimModel::SaraU201,
        SimModel::SaraR410,
        SimModel::Bg96,
        SimModel::Ec21,
        SimModel::Ec25,
        SimModel::E303,
        SimModel::E372,
        SimModel::Ms2131,
        SimModel::Generic,
    ];

    /// The model's name (`sara-u201`, `bg96`, ...).
    pub fn name(self) -> &'static str {
        match self {
            SimModel::SaraU201 => "sara-u201",
            SimModel::SaraR410 => "sara-r410",
            SimModel::Bg96 => "bg96",
            SimModel::Ec21 => "ec21",
            SimModel::Ec25 => "ec25",
            SimModel::E303 => "e303",
            SimModel::E372 => "e372",
            SimModel::Ms2131 => "ms2131",
            SimModel::Generic => "generic",
        }
    }

    pub(crate) fn family(self) -> Family {
        match self {
            SimModel::SaraU201 | SimModel::SaraR410 => Family::Ublox,
            SimModel::Bg96 | SimModel::Ec21 | SimModel::Ec25 => Family::Quectel,
            SimModel::E303 | SimModel::E372 | SimModel::Ms2131 => Family::Huawei,
            SimModel::Generic => Family::Generic,
        }
    }

    /// Whether the model registers on LTE (reports `+CEREG`).
    pub(crate) fn lte(self) -> bool {
        matches!(
            self,
            SimModel::SaraR410 | SimModel::Bg96 | SimModel::Ec21 | SimModel::Ec25
        )
    }

    /// `+CGMI`, `+CGMM`, `+CGMR`.
    pub(crate) fn identity(self) -> (&'static str, &'static str, &'static str) {
        match self {
            SimModel::SaraU201 => ("u-blox", "SARA-U201", "23.60"),
            SimModel::SaraR410 => ("u-blox", "SARA-R410M-02B", "L0.0.00.00.05.08"),
            SimModel::Bg96 => ("Quectel", "BG96", "BG96MAR02A07M1G"),
            SimModel::Ec21 => ("Quectel", "EC21", "EC21EFAR06A01M4G"),
            SimModel::Ec25 => ("Quectel", "EC25", "EC25AFAR05A04M4G"),
            SimModel::E303 => ("huawei", "E303", "22.157.18.00.00"),
            SimModel::E372 => ("huawei", "E372", "11.810.09.00.00"),
            SimModel::Ms2131 => ("huawei", "MS2131", "21.786.01.00.00"),
            SimModel::Generic => ("Generic", "3GPP Modem", "1.0"),
        }
    }

    /// The `ATI9` answer of u-blox modules (firmware and application version).
    pub(crate) fn ati9(self) -> &'static str {
        match self {
            SimModel::SaraR410 => "L0.0.00.00.05.08,A.02.04",
            _ => "23.60,A01.01",
        }
    }

    /// The access technology reported in `+CREG`/`+CEREG` (TS 27.007 `<AcT>`).
    pub(crate) fn act(self) -> u8 {
        if self.lte() {
            7
        } else {
            2
        }
    }
}

impl fmt::Display for SimModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A model name that is not one of [`SimModel::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown modem model {0:?}: one of sara-u201, sara-r410, bg96, ec21, ec25, e303, e372, ms2131, generic")]
pub struct UnknownModel(pub String);

impl FromStr for SimModel {
    type Err = UnknownModel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let want = s.trim().to_ascii_lowercase();
        SimModel::ALL
            .into_iter()
            .find(|m| m.name() == want)
            .ok_or_else(|| UnknownModel(s.to_owned()))
    }
}
