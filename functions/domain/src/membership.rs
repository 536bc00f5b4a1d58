//! Who may join and where in the tree: the sponsor a registration takes, the terms it must
//! accept, how deep the structure may grow, and how a new partner's referral code is drawn.

use crate::validate::{REFERRAL_CODE_ALPHABET, REFERRAL_CODE_LEN, ReferralCode};

/// The deepest a partner may sit (counted in ancestors). A tree path is about 30 bytes per level
/// and a GSI sort key holds 1,024 bytes.
pub const MAX_TREE_DEPTH: u32 = 30;

/// What a registration brings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Registration<'a> {
    /// An invitation's token (the invitation names the sponsor, or none for level zero).
    pub invitation_token: Option<&'a str>,
    /// A partner's referral code.
    pub referral_code: Option<&'a str>,
    /// The program lets anyone join without a sponsor.
    pub open_signup: bool,
}

/// Where the new partner's sponsor comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SponsorSource<'a> {
    /// The invitation's sponsor (an invitation wins over a code: it was sent to this address).
    Invitation(&'a str),
    /// The owner of the referral code.
    ReferralCode(&'a str),
    /// Nobody: the partner starts a structure of their own.
    Nobody,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JoinRefusal {
    #[error("joining needs a partner's referral code or an invitation")]
    NeedsSponsor,
    #[error("accept the program terms to join")]
    TermsNotAccepted,
    #[error("the structure is at most {MAX_TREE_DEPTH} levels deep")]
    TooDeep,
}

/// Where a registration's sponsor comes from, or why it may not join this way.
pub fn sponsor_source(registration: Registration<'_>) -> Result<SponsorSource<'_>, JoinRefusal> {
    match registration {
        Registration {
            invitation_token: Some(token),
            ..
        } => Ok(SponsorSource::Invitation(token)),
        Registration {
            referral_code: Some(code),
            ..
        } => Ok(SponsorSource::ReferralCode(code)),
        Registration {
            open_signup: true, ..
        } => Ok(SponsorSource::Nobody),
        _ => Err(JoinRefusal::NeedsSponsor),
    }
}

/// A program with published terms takes only partners who accept them.
pub fn check_terms(terms_published: bool, accepted: bool) -> Result<(), JoinRefusal> {
    if terms_published && !accepted {
        Err(JoinRefusal::TermsNotAccepted)
    } else {
        Ok(())
    }
}

/// A sponsor with `depth` ancestors may take one more partner below them.
pub fn check_sponsor_depth(depth: u32) -> Result<(), JoinRefusal> {
    if depth >= MAX_TREE_DEPTH {
        Err(JoinRefusal::TooDeep)
    } else {
        Ok(())
    }
}

/// Whether a partner at `depth`, whose deepest descendant sits at `deepest`, fits below a new
/// sponsor chain of `new_ancestors` partners: the whole subtree moves with them.
pub fn move_fits(depth: u32, deepest: u32, new_ancestors: usize) -> bool {
    let rise = u64::from(deepest.saturating_sub(depth));
    rise + new_ancestors as u64 <= u64::from(MAX_TREE_DEPTH)
}

/// A fresh referral code: `pick(n)` answers a uniformly random index below `n` (the caller's
/// random source, so this stays pure).
pub fn draw_referral_code(mut pick: impl FnMut(usize) -> usize) -> ReferralCode {
    let code: String = (0..REFERRAL_CODE_LEN)
        .map(|_| {
            let index = pick(REFERRAL_CODE_ALPHABET.len()) % REFERRAL_CODE_ALPHABET.len();
            char::from(REFERRAL_CODE_ALPHABET[index])
        })
        .collect();
    ReferralCode::parse(&code).expect("drawn from the alphabet at the length")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registration(invited: bool, has_code: bool, open_signup: bool) -> Registration<'static> {
        Registration {
            invitation_token: invited.then_some("token"),
            referral_code: has_code.then_some("CODE2345"),
            open_signup,
        }
    }

    #[test]
    fn an_invitation_wins_over_a_code_and_a_code_over_open_signup() {
        assert_eq!(
            sponsor_source(registration(true, true, true)),
            Ok(SponsorSource::Invitation("token"))
        );
        assert_eq!(
            sponsor_source(registration(false, true, true)),
            Ok(SponsorSource::ReferralCode("CODE2345"))
        );
        assert_eq!(
            sponsor_source(registration(false, false, true)),
            Ok(SponsorSource::Nobody)
        );
    }

    #[test]
    fn a_closed_program_needs_a_code_or_an_invitation() {
        assert_eq!(
            sponsor_source(registration(false, false, false)),
            Err(JoinRefusal::NeedsSponsor)
        );
        assert_eq!(
            sponsor_source(registration(true, false, false)),
            Ok(SponsorSource::Invitation("token"))
        );
    }

    #[test]
    fn published_terms_must_be_accepted() {
        assert_eq!(check_terms(true, false), Err(JoinRefusal::TermsNotAccepted));
        assert_eq!(check_terms(true, true), Ok(()));
        assert_eq!(check_terms(false, false), Ok(()));
    }

    #[test]
    fn the_deepest_sponsor_takes_nobody_below_them() {
        assert_eq!(check_sponsor_depth(MAX_TREE_DEPTH - 1), Ok(()));
        assert_eq!(
            check_sponsor_depth(MAX_TREE_DEPTH),
            Err(JoinRefusal::TooDeep)
        );
    }

    #[test]
    fn a_subtree_moves_only_where_its_deepest_partner_still_fits() {
        // A leaf (deepest = its own depth) fits under any chain up to the limit.
        assert!(move_fits(3, 3, MAX_TREE_DEPTH as usize));
        assert!(!move_fits(3, 3, MAX_TREE_DEPTH as usize + 1));
        // Two levels below it: the new chain may be two shorter.
        assert!(move_fits(3, 5, MAX_TREE_DEPTH as usize - 2));
        assert!(!move_fits(3, 5, MAX_TREE_DEPTH as usize - 1));
    }

    #[test]
    fn a_drawn_code_is_eight_of_the_alphabet_and_follows_the_random_source() {
        let mut next = 0;
        let code = draw_referral_code(|n| {
            next += 1;
            (next * 7) % n
        });
        assert_eq!(code.as_str().len(), REFERRAL_CODE_LEN);
        assert!(
            code.as_str()
                .bytes()
                .all(|b| REFERRAL_CODE_ALPHABET.contains(&b))
        );
        assert_eq!(draw_referral_code(|_| 0).as_str(), "22222222");
        assert_eq!(draw_referral_code(|n| n - 1).as_str(), "ZZZZZZZZ");
    }
}
