//! Building and reading items. Money is written as DynamoDB numbers (exact to 38 digits) and read
//! back from the number's string, never through a float.

use crate::StoreError;
use crate::keys::{ENTITY, Key, PK, SK};
use aws_sdk_dynamodb::types::AttributeValue;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::str::FromStr;

pub type Item = HashMap<String, AttributeValue>;

pub fn key_item(key: &Key) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}

/// An item under construction: its key, its entity type, then attributes.
pub struct ItemBuilder(Item);

impl ItemBuilder {
    pub fn new(key: &Key, entity: &str) -> Self {
        let mut item = key_item(key);
        item.insert(ENTITY.to_owned(), AttributeValue::S(entity.to_owned()));
        ItemBuilder(item)
    }

    pub fn s(mut self, name: &str, value: impl Into<String>) -> Self {
        self.0
            .insert(name.to_owned(), AttributeValue::S(value.into()));
        self
    }

    pub fn opt_s(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(value) => self.s(name, value),
            None => self,
        }
    }

    pub fn n(mut self, name: &str, value: impl ToString) -> Self {
        self.0
            .insert(name.to_owned(), AttributeValue::N(value.to_string()));
        self
    }

    pub fn bool(mut self, name: &str, value: bool) -> Self {
        self.0.insert(name.to_owned(), AttributeValue::Bool(value));
        self
    }

    pub fn list(mut self, name: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let list = values
            .into_iter()
            .map(|v| AttributeValue::S(v.into()))
            .collect();
        self.0.insert(name.to_owned(), AttributeValue::L(list));
        self
    }

    pub fn build(self) -> Item {
        self.0
    }
}

/// Typed reads of one item, with the item's key in every error.
pub struct View<'a>(pub &'a Item);

impl<'a> View<'a> {
    fn corrupt(&self, name: &str, what: &str) -> StoreError {
        let key = |k| match self.0.get(k) {
            Some(AttributeValue::S(s)) => s.as_str(),
            _ => "?",
        };
        StoreError::Corrupt(format!("{}/{}: attribute {name} {what}", key(PK), key(SK)))
    }

    pub fn opt_s(&self, name: &str) -> Result<Option<&'a str>, StoreError> {
        match self.0.get(name) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(AttributeValue::S(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(self.corrupt(name, "is not a string")),
        }
    }

    pub fn s(&self, name: &str) -> Result<&'a str, StoreError> {
        self.opt_s(name)?
            .ok_or_else(|| self.corrupt(name, "is missing"))
    }

    /// A checked value (an email, a referral code), parsed again as it is read.
    pub fn checked<T>(
        &self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, StoreError> {
        parse(self.s(name)?).map_err(|why| self.corrupt(name, &why))
    }

    /// One of a closed set of words (a payout's status, a channel).
    pub fn word<W: upline_contract::words::Word>(&self, name: &str) -> Result<W, StoreError> {
        W::parse(self.s(name)?).ok_or_else(|| self.corrupt(name, "is not a known word"))
    }

    pub fn opt_n(&self, name: &str) -> Result<Option<&'a str>, StoreError> {
        match self.0.get(name) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(AttributeValue::N(n)) => Ok(Some(n.as_str())),
            Some(_) => Err(self.corrupt(name, "is not a number")),
        }
    }

    pub fn decimal(&self, name: &str) -> Result<Decimal, StoreError> {
        Ok(self.opt_decimal(name)?.unwrap_or_default())
    }

    pub fn opt_decimal(&self, name: &str) -> Result<Option<Decimal>, StoreError> {
        self.opt_n(name)?
            .map(|n| {
                Decimal::from_str_exact(n)
                    .or_else(|_| Decimal::from_scientific(n))
                    .map_err(|_| self.corrupt(name, "is not a decimal"))
            })
            .transpose()
    }

    pub fn u64(&self, name: &str) -> Result<u64, StoreError> {
        Ok(self.opt_u64(name)?.unwrap_or(0))
    }

    pub fn opt_u64(&self, name: &str) -> Result<Option<u64>, StoreError> {
        self.opt_n(name)?
            .map(|n| u64::from_str(n).map_err(|_| self.corrupt(name, "is not a count")))
            .transpose()
    }

    pub fn i64(&self, name: &str) -> Result<i64, StoreError> {
        self.opt_n(name)?
            .map(|n| i64::from_str(n).map_err(|_| self.corrupt(name, "is not an integer")))
            .transpose()
            .map(Option::unwrap_or_default)
    }

    pub fn bool(&self, name: &str) -> Result<bool, StoreError> {
        match self.0.get(name) {
            None => Ok(false),
            Some(AttributeValue::Bool(b)) => Ok(*b),
            Some(_) => Err(self.corrupt(name, "is not a boolean")),
        }
    }

    /// A string set (`SS`); absent is empty.
    pub fn string_set(&self, name: &str) -> Result<Vec<String>, StoreError> {
        match self.0.get(name) {
            None => Ok(Vec::new()),
            Some(AttributeValue::Ss(values)) => Ok(values.clone()),
            Some(_) => Err(self.corrupt(name, "is not a string set")),
        }
    }

    pub fn list(&self, name: &str) -> Result<Vec<String>, StoreError> {
        match self.0.get(name) {
            None => Ok(Vec::new()),
            Some(AttributeValue::L(values)) => values
                .iter()
                .map(|v| match v {
                    AttributeValue::S(s) => Ok(s.clone()),
                    _ => Err(self.corrupt(name, "holds a non-string")),
                })
                .collect(),
            Some(_) => Err(self.corrupt(name, "is not a list")),
        }
    }

    /// A JSON document kept in a string attribute (plans, ledgers).
    pub fn json<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T, StoreError> {
        serde_json::from_str(self.s(name)?)
            .map_err(|e| self.corrupt(name, &format!("is not valid JSON: {e}")))
    }

    pub fn entity(&self) -> Option<&'a str> {
        self.opt_s(ENTITY).ok().flatten()
    }
}

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}
