//! Secrets at rest (webhook signing secrets, TOTP secrets): envelope encryption, so that a copy
//! of the table alone reveals none of them.
//!
//! Each value is sealed with AES-256-GCM under a data key, and the data key is stored beside it
//! wrapped by a key the table does not hold: a KMS key in the cloud (`GenerateDataKey` once per
//! instance, `Decrypt` once per data key seen), the local cloud's own master key locally. The
//! associated data binds a value to what it belongs to (`webhook|<tenant>|<id>`), so a sealed
//! value copied onto another tenant's item does not open there.
//!
//! A sealed value reads `sealed1.<wrapped data key>.<nonce + ciphertext>` (base64url). A value
//! without that prefix was written before sealing and is read as it is; the next write seals it.

use crate::StoreError;
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

const PREFIX: &str = "sealed1.";
const NONCE_LEN: usize = 12;
/// What the local master key's wrapping of a data key is bound to.
const LOCAL_WRAP_CONTEXT: &[u8] = b"upline-local-data-key";
/// KMS binds a wrapped data key to this context: a data key made for Upline only decrypts as one.
const KMS_CONTEXT: (&str, &str) = ("app", "upline");

/// Who wraps and unwraps data keys.
#[derive(Clone)]
pub enum KeySource {
    Kms {
        client: aws_sdk_kms::Client,
        key_id: String,
    },
    /// The local cloud's master key (kept in its data directory, or made for one test run).
    Local([u8; 32]),
}

struct DataKey {
    plain: Key<Aes256Gcm>,
    wrapped: Vec<u8>,
}

struct Inner {
    source: KeySource,
    /// The data key this instance seals with, made on the first seal.
    current: OnceCell<DataKey>,
    /// Data keys already unwrapped, by their wrapped bytes: a KMS Decrypt per data key seen,
    /// not per value read.
    opened: Mutex<HashMap<Vec<u8>, Key<Aes256Gcm>>>,
    /// Told the KMS action each seal or open needs on a fresh instance (the local cloud checks
    /// the functions' policies with it).
    observer: Option<fn(&'static str)>,
}

/// Seals and opens secrets; cheap to clone (one per Lambda instance, shared).
#[derive(Clone)]
pub struct Sealer(Arc<Inner>);

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = match self.0.source {
            KeySource::Kms { .. } => "kms",
            KeySource::Local(_) => "local",
        };
        f.debug_struct("Sealer").field("source", &source).finish()
    }
}

fn broken(what: &str) -> StoreError {
    StoreError::Corrupt(format!("sealed value: {what}"))
}

impl Sealer {
    pub fn new(source: KeySource) -> Self {
        Self::built(source, None)
    }

    fn built(source: KeySource, observer: Option<fn(&'static str)>) -> Self {
        Sealer(Arc::new(Inner {
            source,
            current: OnceCell::new(),
            opened: Mutex::new(HashMap::new()),
            observer,
        }))
    }

    /// A local sealer that tells `observer` the KMS action each call would need in the cloud.
    pub fn local_watched(master: [u8; 32], observer: fn(&'static str)) -> Self {
        Self::built(KeySource::Local(master), Some(observer))
    }

    fn observe(&self, action: &'static str) {
        if let Some(observer) = self.0.observer {
            observer(action);
        }
    }

    pub fn kms(client: aws_sdk_kms::Client, key_id: impl Into<String>) -> Self {
        Self::new(KeySource::Kms {
            client,
            key_id: key_id.into(),
        })
    }

    pub fn local(master: [u8; 32]) -> Self {
        Self::new(KeySource::Local(master))
    }

    /// A fresh random master key (a test run's local cloud).
    pub fn random_local_key() -> [u8; 32] {
        Aes256Gcm::generate_key(OsRng).into()
    }

    /// `plaintext` sealed for `context` (what it belongs to, e.g. `webhook|<tenant>|<id>`).
    pub async fn seal(&self, context: &str, plaintext: &str) -> Result<String, StoreError> {
        self.observe("kms:GenerateDataKey");
        let key = self
            .0
            .current
            .get_or_try_init(|| self.new_data_key())
            .await?;
        let nonce = Aes256Gcm::generate_nonce(OsRng);
        let sealed = Aes256Gcm::new(&key.plain)
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| broken("encryption failed"))?;
        let mut body = nonce.to_vec();
        body.extend(sealed);
        Ok(format!(
            "{PREFIX}{}.{}",
            URL_SAFE_NO_PAD.encode(&key.wrapped),
            URL_SAFE_NO_PAD.encode(body)
        ))
    }

    /// The plaintext of a value `seal` made for the same `context`; a value written before
    /// sealing comes back as it is.
    pub async fn open(&self, context: &str, stored: &str) -> Result<String, StoreError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        self.observe("kms:Decrypt");
        let (wrapped, body) = rest.split_once('.').ok_or_else(|| broken("no body"))?;
        let wrapped = URL_SAFE_NO_PAD
            .decode(wrapped)
            .map_err(|_| broken("data key is not base64url"))?;
        let body = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| broken("body is not base64url"))?;
        let key = self.data_key(&wrapped).await?;
        let plain = decrypt(&key, &body, context.as_bytes())
            .map_err(|_| broken("does not open (another key, or another item's value)"))?;
        String::from_utf8(plain).map_err(|_| broken("not UTF-8"))
    }

    async fn new_data_key(&self) -> Result<DataKey, StoreError> {
        match &self.0.source {
            KeySource::Local(master) => {
                let plain = Aes256Gcm::generate_key(OsRng);
                let wrapped = encrypt(master.into(), plain.as_slice(), LOCAL_WRAP_CONTEXT)?;
                Ok(DataKey { plain, wrapped })
            }
            KeySource::Kms { client, key_id } => {
                let made = client
                    .generate_data_key()
                    .key_id(key_id)
                    .key_spec(DataKeySpec::Aes256)
                    .encryption_context(KMS_CONTEXT.0, KMS_CONTEXT.1)
                    .send()
                    .await
                    .map_err(|e| StoreError::Unavailable(format!("kms: {e}")))?;
                let (Some(plain), Some(wrapped)) = (made.plaintext, made.ciphertext_blob) else {
                    return Err(StoreError::Unavailable(
                        "kms: GenerateDataKey gave no key".into(),
                    ));
                };
                let plain = Key::<Aes256Gcm>::clone_from_slice(plain.as_ref());
                Ok(DataKey {
                    plain,
                    wrapped: wrapped.into_inner(),
                })
            }
        }
    }

    async fn data_key(&self, wrapped: &[u8]) -> Result<Key<Aes256Gcm>, StoreError> {
        if let Some(current) = self.0.current.get()
            && current.wrapped == wrapped
        {
            return Ok(current.plain);
        }
        if let Some(key) = self.opened().get(wrapped) {
            return Ok(*key);
        }
        let key = match &self.0.source {
            KeySource::Local(master) => {
                let plain = decrypt(master.into(), wrapped, LOCAL_WRAP_CONTEXT)
                    .map_err(|_| broken("data key was wrapped by another master key"))?;
                if plain.len() != 32 {
                    return Err(broken("data key of the wrong size"));
                }
                Key::<Aes256Gcm>::clone_from_slice(&plain)
            }
            KeySource::Kms { client, .. } => {
                let opened = client
                    .decrypt()
                    .ciphertext_blob(Blob::new(wrapped))
                    .encryption_context(KMS_CONTEXT.0, KMS_CONTEXT.1)
                    .send()
                    .await
                    .map_err(|e| StoreError::Unavailable(format!("kms: {e}")))?;
                let plain = opened
                    .plaintext
                    .ok_or_else(|| StoreError::Unavailable("kms: Decrypt gave no key".into()))?;
                if plain.as_ref().len() != 32 {
                    return Err(broken("data key of the wrong size"));
                }
                Key::<Aes256Gcm>::clone_from_slice(plain.as_ref())
            }
        };
        self.opened().insert(wrapped.to_vec(), key);
        Ok(key)
    }

    fn opened(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, Key<Aes256Gcm>>> {
        // A panic elsewhere while holding the map leaves it intact: keep using it.
        self.0.opened.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `nonce ‖ AES-256-GCM(key, message, aad)`, with a fresh nonce.
fn encrypt(key: &Key<Aes256Gcm>, message: &[u8], aad: &[u8]) -> Result<Vec<u8>, StoreError> {
    let nonce = Aes256Gcm::generate_nonce(OsRng);
    let sealed = Aes256Gcm::new(key)
        .encrypt(&nonce, Payload { msg: message, aad })
        .map_err(|_| broken("encryption failed"))?;
    let mut body = nonce.to_vec();
    body.extend(sealed);
    Ok(body)
}

/// The message of what [`encrypt`] made; `Err` when it is short, altered, or of another key or
/// `aad`.
fn decrypt(key: &Key<Aes256Gcm>, body: &[u8], aad: &[u8]) -> Result<Vec<u8>, StoreError> {
    if body.len() < NONCE_LEN {
        return Err(broken("too short"));
    }
    let (nonce, ciphertext) = body.split_at(NONCE_LEN);
    Aes256Gcm::new(key)
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| broken("does not open"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sealed_secret_opens_for_its_own_item_and_the_table_does_not_show_it() {
        let sealer = Sealer::local(Sealer::random_local_key());
        let sealed = sealer.seal("webhook|t1|wh1", "whsec_abc").await.unwrap();
        assert!(sealed.starts_with(PREFIX) && !sealed.contains("whsec_abc"));
        assert_eq!(
            sealer.open("webhook|t1|wh1", &sealed).await.unwrap(),
            "whsec_abc"
        );
        // Copied onto another tenant's endpoint, it does not open.
        assert!(sealer.open("webhook|t2|wh1", &sealed).await.is_err());
    }

    #[tokio::test]
    async fn another_instance_with_the_same_master_key_opens_it_and_another_key_does_not() {
        let master = Sealer::random_local_key();
        let sealed = Sealer::local(master)
            .seal("totp|t|u", "SECRET")
            .await
            .unwrap();
        assert_eq!(
            Sealer::local(master)
                .open("totp|t|u", &sealed)
                .await
                .unwrap(),
            "SECRET"
        );
        let stranger = Sealer::local(Sealer::random_local_key());
        assert!(stranger.open("totp|t|u", &sealed).await.is_err());
    }

    #[tokio::test]
    async fn a_value_written_before_sealing_reads_as_it_is() {
        let sealer = Sealer::local(Sealer::random_local_key());
        assert_eq!(
            sealer.open("webhook|t|w", "whsec_legacy").await.unwrap(),
            "whsec_legacy"
        );
    }

    #[tokio::test]
    async fn two_seals_of_one_secret_differ() {
        let sealer = Sealer::local(Sealer::random_local_key());
        let a = sealer.seal("c", "same").await.unwrap();
        let b = sealer.seal("c", "same").await.unwrap();
        assert_ne!(a, b, "a fresh nonce each time");
    }
}
