//! Money: exact decimals in a currency's minor units (ISO 4217). Never a float.
//!
//! In JSON an amount is a decimal string (`"123.46"`). Numbers are refused on purpose: a JSON
//! number has usually been through a binary float somewhere before it reaches us.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;
use std::str::FromStr;

/// An exact decimal amount, written as a string in JSON.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "123.46", pattern = "^-?[0-9]{1,20}(\\.[0-9]{1,8})?$"))]
pub struct Amount(pub Decimal);

impl Amount {
    pub const ZERO: Amount = Amount(Decimal::ZERO);

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl From<Decimal> for Amount {
    fn from(value: Decimal) -> Self {
        Amount(value)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("expected a decimal string such as \"12.34\"")]
    NotADecimal,
    #[error("must not be negative")]
    Negative,
    #[error("has more decimal places than {currency} allows ({minor_units})")]
    TooPrecise { currency: String, minor_units: u32 },
    #[error("is not an ISO 4217 currency code with minor units")]
    UnknownCurrency,
}

impl FromStr for Amount {
    type Err = MoneyError;

    /// Accepts `-?digits(.digits)?` only: no exponent, no spaces, no `+`, at most 28 digits.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let unsigned = text.strip_prefix('-').unwrap_or(text);
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (unsigned, None),
        };
        let digits_only = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !digits_only(whole) || fraction.is_some_and(|f| !digits_only(f)) {
            return Err(MoneyError::NotADecimal);
        }
        Decimal::from_str_exact(text)
            .map(|d| Amount(d.normalize_scale_keeping_zero_fraction()))
            .map_err(|_| MoneyError::NotADecimal)
    }
}

trait NormalizeScale {
    fn normalize_scale_keeping_zero_fraction(self) -> Self;
}

impl NormalizeScale for Decimal {
    /// `"-0"` becomes `0`; the scale as written is otherwise kept ("20.00" stays "20.00").
    fn normalize_scale_keeping_zero_fraction(self) -> Self {
        if self.is_zero() {
            let mut zero = Decimal::ZERO;
            zero.rescale(self.scale());
            zero
        } else {
            self
        }
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AmountVisitor;
        impl de::Visitor<'_> for AmountVisitor {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a decimal string such as \"12.34\"")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Amount, E> {
                text.parse().map_err(|_| {
                    E::invalid_value(
                        de::Unexpected::Str(text),
                        &"a decimal string such as \"12.34\"",
                    )
                })
            }
        }
        deserializer.deserialize_str(AmountVisitor)
    }
}

/// The ISO 4217 currencies that have minor units, as code and digits after the point, sorted.
/// A table, not a match per currency: the portal carries this in every page that shows money.
/// (A test holds it equal to the `iso_currency` crate's list.)
const CURRENCIES: &str = concat!(
    "AED2AFN2ALL2AMD2AOA2ARS2AUD2AWG2AZN2",
    "BAM2BBD2BDT2BGN2BHD3BIF0BMD2BND2BOB2BOV2BRL2BSD2BTN2BWP2BYN2BZD2",
    "CAD2CDF2CHE2CHF2CHW2CLF4CLP0CNY2COP2COU2CRC2CUC2CUP2CVE2CZK2",
    "DJF0DKK2DOP2DZD2",
    "EGP2ERN2ETB2EUR2",
    "FJD2FKP2",
    "GBP2GEL2GHS2GIP2GMD2GNF0GTQ2GYD2",
    "HKD2HNL2HRK2HTG2HUF2",
    "IDR2ILS2INR2IQD3IRR2ISK0",
    "JMD2JOD3JPY0",
    "KES2KGS2KHR2KMF0KPW2KRW0KWD3KYD2KZT2",
    "LAK2LBP2LKR2LRD2LSL2LYD3",
    "MAD2MDL2MGA2MKD2MMK2MNT2MOP2MRU2MUR2MVR2MWK2MXN2MXV2MYR2MZN2",
    "NAD2NGN2NIO2NOK2NPR2NZD2",
    "OMR3",
    "PAB2PEN2PGK2PHP2PKR2PLN2PYG0",
    "QAR2",
    "RON2RSD2RUB2RWF0",
    "SAR2SBD2SCR2SDG2SEK2SGD2SHP2SLE2SLL2SOS2SRD2SSP2STN2SVC2SYP2SZL2",
    "THB2TJS2TMT2TND3TOP2TRY2TTD2TWD2TZS2",
    "UAH2UGX0USD2USN2UYI0UYU2UYW4UZS2",
    "VED2VES2VND0VUV0",
    "WST2",
    "XAD2XAF0XCD2XCG2XOF0XPF0",
    "YER2",
    "ZAR2ZMW2ZWG2ZWL2",
);

/// An ISO 4217 currency that has minor units (`XAU` and friends are refused).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(
    /// Its place in [`CURRENCIES`].
    u8,
);

/// A string, one of the codes of [`CURRENCIES`].
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Currency {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let codes = CURRENCIES
            .as_bytes()
            .chunks(4)
            .map(|entry| std::str::from_utf8(&entry[..3]).expect("the table is ASCII"));
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(codes))
            .examples(["EUR"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Currency {}

impl Currency {
    fn entry(self) -> &'static [u8] {
        &CURRENCIES.as_bytes()[usize::from(self.0) * 4..][..4]
    }

    pub fn code(self) -> &'static str {
        let start = usize::from(self.0) * 4;
        &CURRENCIES[start..start + 3]
    }

    /// Digits after the decimal point: 2 for EUR, 0 for JPY, 3 for KWD.
    pub fn minor_units(self) -> u32 {
        u32::from(self.entry()[3] - b'0')
    }

    /// Rounds half away from zero to the minor unit: the one rounding rule for every entry.
    pub fn round(self, amount: Decimal) -> Decimal {
        amount.round_dp_with_strategy(self.minor_units(), RoundingStrategy::MidpointAwayFromZero)
    }

    /// An amount as the currency writes it: "20" in EUR becomes "20.00".
    pub fn normalize(self, amount: Decimal) -> Decimal {
        let mut rounded = self.round(amount);
        rounded.rescale(self.minor_units());
        rounded
    }

    /// A non-negative amount that fits the minor unit exactly.
    pub fn check_amount(self, amount: Decimal) -> Result<Decimal, MoneyError> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(MoneyError::Negative);
        }
        self.check_precision(amount)
    }

    /// An amount of either sign that fits the minor unit exactly.
    pub fn check_precision(self, amount: Decimal) -> Result<Decimal, MoneyError> {
        if amount.normalize().scale() > self.minor_units() {
            return Err(MoneyError::TooPrecise {
                currency: self.code().to_owned(),
                minor_units: self.minor_units(),
            });
        }
        Ok(self.normalize(amount))
    }
}

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        CURRENCIES
            .as_bytes()
            .chunks_exact(4)
            .position(|entry| &entry[..3] == code.as_bytes())
            .and_then(|index| u8::try_from(index).ok())
            .map(Currency)
            .ok_or(MoneyError::UnknownCurrency)
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        code.parse().map_err(|_| {
            de::Error::invalid_value(
                de::Unexpected::Str(&code),
                &"an ISO 4217 code such as \"EUR\"",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(text: &str) -> Result<Amount, MoneyError> {
        text.parse()
    }

    #[test]
    fn decimal_strings_parse_exactly() {
        assert_eq!(amount("1234.57").unwrap().0, Decimal::new(123457, 2));
        assert_eq!(amount("-0.5").unwrap().0, Decimal::new(-5, 1));
        assert_eq!(amount("20.00").unwrap().to_string(), "20.00");
    }

    #[test]
    fn anything_but_a_plain_decimal_is_refused() {
        for bad in [
            "", "abc", "1e3", "+1", " 1", "1.", ".5", "1,5", "NaN", "--1", "1.2.3",
        ] {
            assert_eq!(amount(bad), Err(MoneyError::NotADecimal), "{bad:?}");
        }
    }

    #[test]
    fn json_numbers_are_refused_for_amounts() {
        assert!(serde_json::from_str::<Amount>("12.5").is_err());
        assert_eq!(
            serde_json::from_str::<Amount>("\"12.5\"").unwrap(),
            amount("12.5").unwrap()
        );
        assert_eq!(
            serde_json::to_string(&amount("12.50").unwrap()).unwrap(),
            "\"12.50\""
        );
    }

    #[test]
    fn the_currency_table_is_iso_4217_with_minor_units_exactly() {
        let letters = b'A'..=b'Z';
        for a in letters.clone() {
            for b in letters.clone() {
                for c in letters.clone() {
                    let code = String::from_utf8(vec![a, b, c]).unwrap();
                    let ours = code
                        .parse::<Currency>()
                        .ok()
                        .map(|c| (c.code().to_owned(), c.minor_units()));
                    let iso = iso_currency::Currency::from_code(&code)
                        .and_then(|c| Some((c.code().to_owned(), u32::from(c.exponent()?))));
                    assert_eq!(ours, iso, "{code}");
                }
            }
        }
        assert!(CURRENCIES.len() / 4 <= usize::from(u8::MAX));
    }

    #[test]
    fn currencies_know_their_minor_units() {
        let eur: Currency = "EUR".parse().unwrap();
        let jpy: Currency = "JPY".parse().unwrap();
        let kwd: Currency = "KWD".parse().unwrap();
        assert_eq!(
            (eur.minor_units(), jpy.minor_units(), kwd.minor_units()),
            (2, 0, 3)
        );
        assert!("XAU".parse::<Currency>().is_err(), "gold has no minor unit");
        assert!("eur".parse::<Currency>().is_err());
        assert!("ZZZ".parse::<Currency>().is_err());
    }

    #[test]
    fn rounding_is_half_away_from_zero_at_the_minor_unit() {
        let eur: Currency = "EUR".parse().unwrap();
        assert_eq!(eur.round(Decimal::new(123457, 3)).to_string(), "123.46");
        assert_eq!(eur.round(Decimal::new(5, 3)).to_string(), "0.01");
        assert_eq!(eur.round(Decimal::new(-5, 3)).to_string(), "-0.01");
        assert_eq!(eur.round(Decimal::new(617285, 4)).to_string(), "61.73");
        let jpy: Currency = "JPY".parse().unwrap();
        assert_eq!(jpy.round(Decimal::new(25, 1)).to_string(), "3");
    }

    #[test]
    fn amounts_must_fit_the_currency() {
        let eur: Currency = "EUR".parse().unwrap();
        assert_eq!(
            eur.check_amount(Decimal::new(1, 3)),
            Err(MoneyError::TooPrecise {
                currency: "EUR".into(),
                minor_units: 2
            })
        );
        assert_eq!(
            eur.check_amount(Decimal::new(-1, 0)),
            Err(MoneyError::Negative)
        );
        assert_eq!(
            eur.check_amount(Decimal::new(12300, 3))
                .unwrap()
                .to_string(),
            "12.30"
        );
        assert_eq!(
            eur.check_amount(Decimal::new(20, 0)).unwrap().to_string(),
            "20.00"
        );
    }
}
