//! Whole flows through the local cloud over HTTP, in one test binary: each file below was its own
//! binary once, and 21 links of the whole AWS SDK cost minutes and gigabytes on a 2-core machine.
//! nextest still runs every test in its own process; pick a file with `-E 'test(/^portal::/)'`.

mod accounts;
mod audit;
mod bad_input;
mod commission_walk;
mod contract;
mod faults;
mod front_door;
mod hardening;
mod holds;
mod iam_policies;
mod isolation;
mod late_records;
mod leads;
mod notifications;
mod payouts;
mod permissions;
mod portal;
mod structure;
mod two_factor;
mod wallets;
mod webhooks;
mod widget;
