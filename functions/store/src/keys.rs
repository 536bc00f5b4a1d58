//! Every key format of the single table, in one place. See DESIGN.md next to this crate.
//!
//! Partition keys start with the tenant (`T#<tenant>`), so no key of one tenant can be built from
//! another tenant's request. User-chosen parts (external ids, codes) are validated to a charset
//! without `#` before they get here; emails may contain `#`, but sit last in their key.

use upline_contract::{PartnerId, TenantId, UserId};
use upline_domain::validate::{Email, ReferralCode};

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
pub const TREE: &str = "tree";
pub const TREE_PK: &str = "tree_pk";
pub const TREE_PATH: &str = "tree_path";
pub const DUE: &str = "due";
pub const DUE_PK: &str = "due_pk";
pub const DUE_AT: &str = "due_at";
/// Every delivery waiting for a retry (an email, a webhook call) sits in this one partition of
/// the sparse `due` index, sorted by when it is due; the sweeper reads it from the front. Retries
/// are rare, so one partition is plenty; a busy deployment would shard it by a suffix.
pub const DUE_PARTITION: &str = "DUE";
/// The item type, on every item; the stream filter and the handler dispatch on it.
pub const ENTITY: &str = "entity";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    /// DynamoDB's key limits (2048 bytes partition, 1024 sort): a longer key names no item, so
    /// reads answer "not found" instead of sending a request DynamoDB would refuse.
    pub fn can_exist(&self) -> bool {
        self.pk.len() <= 2048 && self.sk.len() <= 1024
    }
}

fn key(pk: String, sk: impl Into<String>) -> Key {
    Key { pk, sk: sk.into() }
}

pub fn tenant(t: &TenantId) -> Key {
    key(format!("T#{t}"), "TENANT")
}

pub fn program(t: &TenantId) -> Key {
    key(format!("T#{t}"), "PROGRAM")
}

/// The tenant's counters (partner external id sequence).
pub fn counters(t: &TenantId) -> Key {
    key(format!("T#{t}"), "COUNTERS")
}

/// Uniqueness of a slug, and the login lookup from slug to tenant.
pub fn slug(slug: &str) -> Key {
    key(format!("SLUG#{slug}"), "SLUG")
}

pub fn user(t: &TenantId, u: &UserId) -> Key {
    key(format!("T#{t}#U#{u}"), "USER")
}

/// Uniqueness of an email inside a tenant, and the login lookup from email to user.
pub fn email(t: &TenantId, email: &Email) -> Key {
    key(format!("T#{t}#EMAIL#{email}"), "EMAIL")
}

/// Login attempts for an email from every address together, whether or not an account has it
/// (so throttling cannot tell which emails exist): the cap a distributed guesser meets.
pub fn login_throttle(t: &TenantId, email: &str) -> Key {
    key(format!("T#{t}#EMAIL#{email}"), "THROTTLE")
}

/// Login attempts for an email from one client address: the limit a guesser meets first, and
/// one that does not lock the real user out from their own address.
pub fn login_attempts_from(t: &TenantId, email: &str, client: &str) -> Key {
    key(format!("T#{t}#EMAIL#{email}"), format!("LOGIN#{client}"))
}

/// Uses of an unauthenticated action (`signup`, `register`, `login`) by one client address,
/// across tenants.
pub fn client_throttle(action: &str, client: &str) -> Key {
    key(format!("THROTTLE#{action}#{client}"), "THROTTLE")
}

/// Invitations sent by one user in the current window (`window` names it: `hour`, `day`).
pub fn invitations_by(t: &TenantId, u: &UserId, window: &str) -> Key {
    key(format!("T#{t}#U#{u}"), format!("INVITES#{window}"))
}

/// Invitations sent in a whole tenant in the current window.
pub fn invitations_in(t: &TenantId, window: &str) -> Key {
    key(format!("T#{t}"), format!("INVITES#{window}"))
}

/// Account emails (set password, confirmation) sent to an address in the current window, so
/// nobody can flood an inbox through `forgot-password` or `resend-confirmation`.
pub fn email_sends(t: &TenantId, email: &str) -> Key {
    key(format!("T#{t}#EMAIL#{email}"), "SENDS")
}

fn partner_pk(t: &TenantId, p: &PartnerId) -> String {
    format!("T#{t}#P#{p}")
}

pub fn partner(t: &TenantId, p: &PartnerId) -> Key {
    key(partner_pk(t, p), "PARTNER")
}

/// The wallet balance, in the partner's partition next to its entries.
pub fn wallet(t: &TenantId, p: &PartnerId) -> Key {
    key(partner_pk(t, p), "WALLET")
}

pub const LEAD_PREFIX: &str = "LEAD#";

/// A lead, in the partition of the partner who brought it in.
pub fn lead(t: &TenantId, p: &PartnerId, lead_id: &str) -> Key {
    key(partner_pk(t, p), format!("{LEAD_PREFIX}{lead_id}"))
}

pub fn leads_list(t: &TenantId) -> String {
    format!("T#{t}#LEADS")
}

pub const PAYOUT_PREFIX: &str = "PAYOUT#";

/// A payout request, in its partner's partition.
pub fn payout(t: &TenantId, p: &PartnerId, payout_id: &str) -> Key {
    key(partner_pk(t, p), format!("{PAYOUT_PREFIX}{payout_id}"))
}

/// Exists while the partner has a request open: created only if absent, so a second request
/// fails its condition.
pub fn open_payout(t: &TenantId, p: &PartnerId) -> Key {
    key(partner_pk(t, p), "OPEN_PAYOUT")
}

pub fn payouts_list(t: &TenantId) -> String {
    format!("T#{t}#PAYOUTS")
}

pub const ENTRY_PREFIX: &str = "ENTRY#";

/// A ledger entry. `entry_id` starts with a fixed-width time so a descending query is newest
/// first; the walk derives it from (time of the transition, seq, deal) so a retry writes the
/// same key and its `attribute_not_exists` condition makes the entry exactly-once.
pub fn entry(t: &TenantId, p: &PartnerId, entry_id: &str) -> Key {
    key(partner_pk(t, p), format!("{ENTRY_PREFIX}{entry_id}"))
}

pub fn walk_entry_id(at_millis: i64, seq: u64, deal: &str) -> String {
    format!("{at_millis:013}_{seq:010}_{deal}")
}

pub fn partners_list(t: &TenantId) -> String {
    format!("T#{t}#PARTNERS")
}

pub fn tree(t: &TenantId) -> String {
    format!("T#{t}#TREE")
}

/// A partner's place in the tree: the ids from the root down to itself, each followed by `/`.
/// The downline of X is every path that starts with X's path.
pub fn tree_path(ancestors_nearest_first: &[PartnerId], me: &PartnerId) -> String {
    let mut path = String::new();
    for id in ancestors_nearest_first
        .iter()
        .rev()
        .chain(std::iter::once(me))
    {
        path.push_str(id.as_str());
        path.push('/');
    }
    path
}

pub fn referral_code(t: &TenantId, code: &ReferralCode) -> Key {
    key(format!("T#{t}#CODE#{code}"), "CODE")
}

pub fn partner_external_id(t: &TenantId, external_id: &str) -> Key {
    key(format!("T#{t}#PEXT#{external_id}"), "PEXT")
}

fn deal_pk(t: &TenantId, deal: &str) -> String {
    format!("T#{t}#D#{deal}")
}

pub fn deal(t: &TenantId, deal: &str) -> Key {
    key(deal_pk(t, deal), "DEAL")
}

pub const TRANSITION_PREFIX: &str = "TRANSITION#";

/// One status change of a deal; its INSERT on the stream is what runs the walk.
pub fn transition(t: &TenantId, deal: &str, seq: u64) -> Key {
    key(deal_pk(t, deal), format!("{TRANSITION_PREFIX}{seq:010}"))
}

/// What the walk has applied for a deal (`applied_seq`) and its ledger lines: the permanent
/// idempotency record.
pub fn deal_walk(t: &TenantId, deal: &str) -> Key {
    key(deal_pk(t, deal), "WALK")
}

pub const CLICK_PREFIX: &str = "CLICK#";

/// A click on a partner's code (the widget's beacon or `/r/{code}`), in the partner's partition;
/// its id names the partner, so a deal or lead citing it finds it in one read.
pub fn click(t: &TenantId, p: &PartnerId, click_id: &str) -> Key {
    key(partner_pk(t, p), format!("{CLICK_PREFIX}{click_id}"))
}

/// A partner's running counts (clicks, leads, clients, deals won), added to in the
/// transactions that change them: what the embedded panel shows without reading lists.
pub fn partner_stats(t: &TenantId, p: &PartnerId) -> Key {
    key(partner_pk(t, p), "STATS")
}

pub const PARTNER_DEAL_PREFIX: &str = "DEAL#";

/// A deal in the partition of the partner it is attributed to (a deal's partner never changes),
/// so a partner's deals are one Query, newest first; the tail is the deal's listing position.
pub fn partner_deal(t: &TenantId, p: &PartnerId, position: &str) -> Key {
    key(partner_pk(t, p), format!("{PARTNER_DEAL_PREFIX}{position}"))
}

pub fn deals_list(t: &TenantId) -> String {
    format!("T#{t}#DEALS")
}

/// An API key, found by the SHA-256 of its secret.
pub fn api_key(secret_hash: &str) -> Key {
    key(format!("APIKEY#{secret_hash}"), "APIKEY")
}

pub fn api_keys_list(t: &TenantId) -> String {
    format!("T#{t}#APIKEYS")
}

/// A token sent by email, found by the SHA-256 of the token (the link carries no tenant).
pub fn email_token(token_hash: &str) -> Key {
    key(format!("TOKEN#{token_hash}"), "TOKEN")
}

pub fn users_list(t: &TenantId) -> String {
    format!("T#{t}#USERS")
}

/// A sponsor move in progress (one per tenant at a time): what a resumed move needs.
pub fn structure_move(t: &TenantId) -> Key {
    key(format!("T#{t}"), "MOVE")
}

/// A notification waiting for delivery; its INSERT on the stream delivers it.
pub fn outbox(t: &TenantId, id: &str) -> Key {
    key(format!("T#{t}#OUTBOX#{id}"), "OUTBOX")
}

/// The tenant's notifications, newest first (`gsi1`), with their delivery state.
pub fn outbox_list(t: &TenantId) -> String {
    format!("T#{t}#OUTBOX")
}

pub const WEBHOOK_PREFIX: &str = "WEBHOOK#";

/// A webhook endpoint (URL, events, secrets), in the tenant's partition.
pub fn webhook(t: &TenantId, endpoint: &str) -> Key {
    key(format!("T#{t}"), format!("{WEBHOOK_PREFIX}{endpoint}"))
}

pub const DELIVERY_PREFIX: &str = "DELIVERY#";

/// One message to one webhook endpoint: its delivery log is this partition, newest first
/// (message ids are ULIDs made from the event's time).
pub fn webhook_delivery(t: &TenantId, endpoint: &str, message_id: &str) -> Key {
    key(
        format!("T#{t}#WH#{endpoint}"),
        format!("{DELIVERY_PREFIX}{message_id}"),
    )
}

pub const TEMPLATE_PREFIX: &str = "TEMPLATE#";

/// A tenant's own wording of one notification in one language.
pub fn template(t: &TenantId, name: &str, language: &str) -> Key {
    key(
        format!("T#{t}"),
        format!("{TEMPLATE_PREFIX}{name}#{language}"),
    )
}

/// A stream record parked because it can never succeed.
pub fn dead_letter(sequence_number: &str) -> Key {
    key(format!("DLQ#{sequence_number}"), "DLQ")
}

/// One record of the tenant's audit log: its own partition, sorted by the record's ULID (so by
/// time), read newest first. Staff changes are rare; API-key deal writes are the busiest
/// writer, far below a partition's 1,000 writes/s (DESIGN.md).
pub fn audit_record(t: &TenantId, id: &str) -> Key {
    key(audit_log(t), id)
}

pub fn audit_log(t: &TenantId) -> String {
    format!("T#{t}#AUDIT")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_paths_run_from_the_root_down() {
        let ancestors = [
            PartnerId::from("C"),
            PartnerId::from("B"),
            PartnerId::from("A"),
        ];
        assert_eq!(tree_path(&ancestors, &"D".into()), "A/B/C/D/");
        assert_eq!(tree_path(&[], &"A".into()), "A/");
    }

    #[test]
    fn entry_ids_sort_by_time_first() {
        assert!(walk_entry_id(999, 9, "z") < walk_entry_id(1000, 1, "a"));
    }
}
