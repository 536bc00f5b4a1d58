//! The partner's own views: dashboard, referrals and downline, commission history, invite,
//! payouts.

use crate::api::{self, ApiError, ApiResult};
use crate::charts::EarningsCharts;
use crate::components::{
    Empty, Field, FormError, Loading, StatusBadge, TextArea, date, loaded, lowercase, money,
    parse_amount, partner_matches,
};
use crate::fetched::Fetched;
use crate::i18n::T;
use crate::later;
use crate::pages::auth::JoinProgram;
use crate::session::{session, text, tr};
use leptos::prelude::*;
use leptos::task::spawn_local;
use upline_contract as c;
use upline_contract::{
    Amount, CreateInvitationRequest, CreatePayoutRequest, Currency, DealListQuery, DealSummary,
    EntryKind, EntryStatus, InvitationCreated, Lead, LeadListQuery, ListQuery, NoParams, Partner,
    PartnerListQuery, Payout, PayoutListQuery, Permission, ProgramBasics, QrQuery, Wallet,
    WalletEntry,
};

/// The whole downline in tree order (each with its level below the caller).
async fn downline() -> ApiResult<Vec<Partner>> {
    let downline = PartnerListQuery {
        scope: Some("downline".into()),
        ..Default::default()
    };
    api::all_pages::<c::ListPartners, _>(&NoParams {}, &downline, 50).await
}

pub fn kind_label(kind: EntryKind) -> T {
    match kind {
        EntryKind::Accrual => T::KindAccrual,
        EntryKind::Reversal => T::KindReversal,
        EntryKind::Adjustment => T::KindAdjustment,
        EntryKind::Payout => T::KindPayout,
    }
}

/// Where an entry came from: the deal, from whom, at which level, or the reason.
pub fn entry_source(entry: &WalletEntry, me: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Some(deal) = &entry.deal_id {
        parts.push(format!("{} {deal}", tr(T::Deal)));
    }
    if let Some(from) = &entry.from_partner_id {
        let from = from.to_string();
        if Some(from.as_str()) == me {
            parts.push(tr(T::YourDeal).to_owned());
        } else {
            // The API names the partner; an id shows only if that partner is gone.
            let name = entry.from_partner_name.clone().unwrap_or(from);
            parts.push(format!("{} {name}", tr(T::From)));
        }
    }
    if let Some(level) = entry.level {
        parts.push(format!("{} {level}", tr(T::Level)));
    }
    // A payout's reason is the system's own bookkeeping; an adjustment's is what staff wrote.
    if let Some(reason) = entry
        .reason
        .as_ref()
        .filter(|_| entry.kind != EntryKind::Payout)
    {
        parts.push(reason.clone());
    }
    parts.join(" · ")
}

#[component]
pub fn EntriesTable(entries: Vec<WalletEntry>, currency: Currency) -> impl IntoView {
    let me = session()
        .current()
        .and_then(|m| m.partner)
        .map(|p| p.id.to_string());
    if entries.is_empty() {
        return view! { <Empty text=T::NoEntries/> }.into_any();
    }
    let rows = entries
        .into_iter()
        .map(|entry| {
            let source = entry_source(&entry, me.as_deref());
            let negative = entry.amount.value().is_sign_negative();
            let kind = entry.kind;
            let held_until = (entry.status == EntryStatus::Pending)
                .then(|| entry.available_at.clone())
                .flatten();
            let state = match &held_until {
                Some(at) => format!("{} {}", tr(T::PendingUntil), date(at)),
                None => tr(T::Available).to_owned(),
            };
            view! {
                <tr data-testid="entry-row" class:pending=held_until.is_some()>
                    <td data-label=text(T::Date)>{date(&entry.created_at)}</td>
                    <td data-label=text(T::Kind)>{move || tr(kind_label(kind))}</td>
                    <td data-label=text(T::Status) data-testid="entry-status">{state}</td>
                    <td class="source" data-label=text(T::Source) data-testid="entry-source">{source}</td>
                    <td class="amount" class:negative=negative data-label=text(T::Amount) data-testid="entry-amount">{money(entry.amount, currency)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="stacked" data-testid="entries">
                <thead><tr>
                    <th scope="col">{text(T::Date)}</th>
                    <th scope="col">{text(T::Kind)}</th>
                    <th scope="col">{text(T::Status)}</th>
                    <th scope="col">{text(T::Source)}</th>
                    <th scope="col" class="amount">{text(T::Amount)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

pub(crate) fn share_links(link: &str) -> Vec<(&'static str, &'static str, String)> {
    let url = js_sys::encode_uri_component(link)
        .as_string()
        .unwrap_or_default();
    let text = js_sys::encode_uri_component(tr(T::ShareText))
        .as_string()
        .unwrap_or_default();
    vec![
        (
            "email",
            "Email",
            format!("mailto:?subject={text}&body={text}%20{url}"),
        ),
        (
            "whatsapp",
            "WhatsApp",
            format!("https://wa.me/?text={text}%20{url}"),
        ),
        (
            "telegram",
            "Telegram",
            format!("https://t.me/share/url?url={url}&text={text}"),
        ),
        (
            "x",
            "X",
            format!("https://x.com/intent/post?url={url}&text={text}"),
        ),
        (
            "facebook",
            "Facebook",
            format!("https://www.facebook.com/sharer/sharer.php?u={url}"),
        ),
        (
            "linkedin",
            "LinkedIn",
            format!("https://www.linkedin.com/sharing/share-offsite/?url={url}"),
        ),
    ]
}

/// The referral link with a copy button, the QR code and the share buttons.
#[component]
fn ShareCard(partner: Partner) -> impl IntoView {
    let link = partner.referral_link.clone();
    let copied = RwSignal::new(false);
    let link_for_copy = link.clone();
    let copy = move |_| {
        let link = link_for_copy.clone();
        if let Some(window) = web_sys::window() {
            let promise = window.navigator().clipboard().write_text(&link);
            spawn_local(async move {
                if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                    copied.set(true);
                }
            });
        }
    };
    let code = partner.referral_code.clone();
    view! {
        <section class="card share" data-testid="share-card">
            <h2>{text(T::YourLink)}</h2>
            <div class="link-row">
                <input readonly value=link.clone() aria-label=text(T::YourLink) data-testid="referral-link"/>
                <button type="button" class="primary" on:click=copy data-testid="copy-link" aria-live="polite">
                    <svg class="icon" aria-hidden="true" viewBox="0 0 24 24" width="16" height="16"><rect x="8" y="8" width="12" height="12" rx="2"/><path d="M4 16V6a2 2 0 0 1 2-2h10"/></svg>" "
                    {move || if copied.get() { tr(T::Copied) } else { tr(T::Copy) }}
                </button>
            </div>
            {later!(share_extras_view(link, code))}
        </section>
    }
}

/// The QR code, its downloads and the share buttons: a chunk fetched once the dashboard has
/// shown the link, so a partner sees their balance and link first. A chunk that cannot be
/// fetched is said so in place; the copy button above keeps working.
#[cfg_attr(
    not(test),
    leptos::wasm_split::wasm_split(share_extras, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn share_extras_view(link: String, code: String) -> Result<AnyView, ApiError> {
    let svg = || QrQuery::default();
    let png = || QrQuery {
        format: Some("png".into()),
    };
    let qr = Fetched::new(move || api::text::<c::MyQrCode>(&NoParams {}, &svg()));
    let svg_url = Fetched::new(move || api::object_url::<c::MyQrCode>(&NoParams {}, &svg()));
    let png_url = Fetched::new(move || api::object_url::<c::MyQrCode>(&NoParams {}, &png()));
    let file = format!("referral-{code}");
    let file_png = format!("{file}.png");
    let file_svg = format!("{file}.svg");
    Ok(view! {
        <div class="qr-row">
            <div class="qr" data-testid="qr-code" role="img" aria-label=text(T::QrCode)>
                {move || match qr.get() {
                    None => view! { <Loading/> }.into_any(),
                    Some(Ok(svg)) => view! { <div inner_html=svg></div> }.into_any(),
                    Some(Err(e)) => view! { <p class="form-error">{e.message}</p> }.into_any(),
                }}
            </div>
            <div class="qr-actions">
                <a class="button" download=file_png href=move || png_url.get().and_then(|u| u.ok()).unwrap_or_default() data-testid="qr-png">{text(T::DownloadPng)}</a>
                <a class="button" download=file_svg href=move || svg_url.get().and_then(|u| u.ok()).unwrap_or_default() data-testid="qr-svg">{text(T::DownloadSvg)}</a>
            </div>
        </div>
        <h3>{text(T::Share)}</h3>
        <ul class="share-buttons">
            {move || share_links(&link).into_iter().map(|(id, label, href)| view! {
                <li><a class="button share-button" href=href target="_blank" rel="noopener" data-testid=format!("share-{id}")>{label}</a></li>
            }).collect_view()}
        </ul>
    }
    .into_any())
}

/// What the payout button says: why it is disabled, if it is.
fn payout_blocker(wallet: &Wallet, program: &ProgramBasics, open: bool) -> Option<String> {
    if open {
        return Some(tr(T::PayoutOpen).to_owned());
    }
    let minimum = program.min_payout.value().max(rust_decimal::Decimal::new(
        1,
        program.currency.minor_units(),
    ));
    if wallet.balance.value() < minimum {
        return Some(format!(
            "{} {}.",
            tr(T::BelowMinimum),
            money(Amount(minimum), program.currency)
        ));
    }
    None
}

/// What is earned but still held, with what that means; nothing when nothing is held.
fn pending_line(wallet: &Wallet) -> Option<impl IntoView + use<>> {
    (!wallet.pending.value().is_zero()).then(|| {
        let pending = money(wallet.pending, wallet.currency);
        view! {
            <p class="pending" data-testid="pending">
                {text(T::Pending)}": "<strong data-testid="pending-amount">{pending}</strong>
                <span class="muted">" — "{text(T::PendingHint)}</span>
            </p>
        }
    })
}

#[component]
fn BalanceCard(
    wallet: Wallet,
    program: ProgramBasics,
    open: bool,
    on_requested: Callback<()>,
) -> impl IntoView {
    let blocker = payout_blocker(&wallet, &program, open);
    let can_request = blocker.is_none();
    let asking = RwSignal::new(false);
    let balance = wallet.balance;
    view! {
        <section class="card balance" data-testid="balance-card">
            <h2>{text(T::Balance)}</h2>
            <p class="big" data-testid="balance">{money(wallet.balance, wallet.currency)}</p>
            {pending_line(&wallet)}
            <Show when=move || !asking.get()>
                <button type="button" class="primary" data-testid="request-payout" disabled=!can_request on:click=move |_| asking.set(true)>
                    {text(T::RequestPayout)}
                </button>
                <p class="muted" data-testid="payout-blocker">{blocker.clone()}</p>
            </Show>
            <Show when=move || asking.get()>
                {later!(payout_form_view(balance, asking, on_requested))}
            </Show>
        </section>
    }
}

/// The payout request form, a chunk fetched when the partner asks for it (most visits only look
/// at the balance). `asking` closes it; `on_requested` runs once a request is accepted.
#[cfg_attr(
    not(test),
    leptos::wasm_split::wasm_split(payout_form, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn payout_form_view(
    balance: Amount,
    asking: RwSignal<bool>,
    on_requested: Callback<()>,
) -> Result<AnyView, ApiError> {
    let amount = RwSignal::new(balance.to_string());
    let error = RwSignal::new(None::<ApiError>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = match parse_amount(&amount.get_untracked(), "amount") {
            Ok(value) => value,
            Err(e) => return error.set(Some(e)),
        };
        spawn_local(async move {
            match api::submit::<c::RequestPayout>(&CreatePayoutRequest { amount: value }).await {
                Ok(_) => {
                    asking.set(false);
                    on_requested.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Ok(view! {
        <form on:submit=submit novalidate data-testid="payout-form">
            <Field label=T::Amount name="amount" value=amount error=error kind="text"/>
            <FormError error=error fields=&["amount"]/>
            <button type="submit" class="primary" data-testid="payout-submit">{text(T::RequestPayout)}</button>
            " "<button type="button" on:click=move |_| asking.set(false)>{text(T::Cancel)}</button>
        </form>
    }
    .into_any())
}

#[derive(Clone)]
struct DashboardData {
    wallet: Wallet,
    program: ProgramBasics,
    open: bool,
}

/// The caller's own payouts: staff with `manage_balances` are shown everyone's by the API.
async fn own_payouts(status: Option<&str>) -> ApiResult<Vec<Payout>> {
    let me = session().current().and_then(|m| m.partner).map(|p| p.id);
    let query = PayoutListQuery {
        status: status.map(str::to_owned),
        ..Default::default()
    };
    let all: Vec<Payout> = api::all_pages::<c::ListPayouts, _>(&NoParams {}, &query, 20).await?;
    Ok(all
        .into_iter()
        .filter(|p| Some(&p.partner_id) == me.as_ref())
        .collect())
}

/// What the balance card needs, asked at once rather than one after another (the wallet says
/// whether a payout request is open).
async fn dashboard_data() -> ApiResult<DashboardData> {
    let (wallet, program) = futures::join!(
        api::fetch::<c::GetWallet>(),
        api::fetch_as::<c::GetProgram, ProgramBasics>(),
    );
    let wallet = wallet?;
    Ok(DashboardData {
        open: wallet.payout_open,
        wallet,
        program: program?,
    })
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let session = session();
    move || {
        let me = session.current()?;
        Some(match me.partner {
            Some(partner) => {
                view! { <PartnerDashboard partner=partner currency=me.tenant.currency/> }.into_any()
            }
            None => {
                let permissions = me.user.permissions;
                Suspend::new(async move { staff_home_view(permissions).await }).into_any()
            }
        })
    }
}

/// The dashboard of someone on the staff who is not a partner: joining the program if they may,
/// else where their work is. A chunk of its own: partners never download it. (The component
/// tests load one unsplit module.)
#[cfg_attr(not(test), lazy)]
async fn staff_home_view(permissions: Vec<Permission>) -> AnyView {
    if permissions.contains(&Permission::Participate) {
        return view! {
            <h1>{text(T::NavDashboard)}</h1>
            <JoinProgram/>
        }
        .into_any();
    }
    let places = [
        (
            Permission::ViewAllPartners,
            "/staff/partners",
            T::NavPartners,
        ),
        (
            Permission::ManageBalances,
            "/staff/payouts",
            T::NavPayoutRequests,
        ),
        (
            Permission::ConfigureProgram,
            "/staff/program",
            T::NavProgram,
        ),
        (Permission::ViewAllPartners, "/staff/deals", T::NavDeals),
    ];
    let links = places
        .into_iter()
        .filter(|(permission, _, _)| permissions.contains(permission))
        .map(|(_, href, label)| view! { <li><a class="button" href=href>{text(label)}</a></li> })
        .collect_view();
    view! {
        <h1>{text(T::NavDashboard)}</h1>
        <section class="card" data-testid="staff-home">
            <h2>{text(T::NavStaff)}</h2>
            <ul class="share-buttons">{links}</ul>
        </section>
    }
    .into_any()
}

#[component]
fn PartnerDashboard(partner: Partner, currency: Currency) -> impl IntoView {
    let data = Fetched::new(dashboard_data);
    let refresh = Callback::new(move |_| data.refetch());
    view! {
        <h1 data-testid="dashboard">{text(T::NavDashboard)}</h1>
        <div class="grid dashboard">
            <ShareCard partner=partner/>
            {loaded(data, move |d: DashboardData| view! {
                <BalanceCard wallet=d.wallet program=d.program open=d.open on_requested=refresh/>
            })}
            {later!(recent_activity_view(currency))}
        </div>
    }
}

/// The latest entries (with whom each came from) and the earnings charts: a chunk fetched once
/// the balance and link have shown, as the charts' own code is after it. A chunk that cannot be
/// fetched is said so in place; the balance and the payout button keep working.
#[cfg_attr(
    not(test),
    leptos::wasm_split::wasm_split(recent_activity, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn recent_activity_view(currency: Currency) -> Result<AnyView, ApiError> {
    let activity = Fetched::new(|| async {
        let all: Vec<WalletEntry> =
            api::all_pages::<c::ListWalletEntries, _>(&NoParams {}, &ListQuery::default(), 10)
                .await?;
        let recent: Vec<WalletEntry> = all.iter().take(5).cloned().collect();
        Ok::<_, ApiError>((all, recent))
    });
    Ok(view! {
        <section class="card recent">
            <h2>{text(T::RecentEntries)}</h2>
            {loaded(activity, move |(_, recent)| view! {
                <EntriesTable entries=recent currency=currency/>
            })}
            <a href="/commissions">{text(T::SeeAll)}" →"</a>
        </section>
        <section class="card wide">
            {loaded(activity, move |(all, _)| view! { <EarningsCharts entries=all currency=currency/> })}
        </section>
    }
    .into_any())
}

/// How many entries the history shows at first, and how many more each "Load more" adds.
const HISTORY_PAGE: usize = 25;

#[component]
pub fn Commissions() -> impl IntoView {
    let wallet = Fetched::new(api::fetch::<c::GetWallet>);
    // One download serves the table and the charts; the table shows it a page at a time.
    let entries = Fetched::new(|| {
        api::all_pages::<c::ListWalletEntries, _>(&NoParams {}, &ListQuery::default(), 50)
    });
    let shown = RwSignal::new(HISTORY_PAGE);
    view! {
        <h1 data-testid="commissions-page">{text(T::NavCommissions)}</h1>
        {loaded(wallet, move |w: Wallet| {
            let currency = w.currency;
            view! {
                <section class="card">
                    <p>{text(T::Balance)}": "<strong data-testid="balance">{money(w.balance, currency)}</strong></p>
                    {pending_line(&w)}
                    // Loading, or why the history could not be read, rather than "no entries".
                    {loaded(entries, move |all: Vec<WalletEntry>| {
                        let more = all.len() > shown.get();
                        let page: Vec<WalletEntry> = all.into_iter().take(shown.get()).collect();
                        view! {
                            <EntriesTable entries=page currency=currency/>
                            <Show when=move || more>
                                <button type="button" on:click=move |_| shown.update(|n| *n += HISTORY_PAGE) data-testid="load-more">{text(T::LoadMore)}</button>
                            </Show>
                        }
                    })}
                </section>
                <section class="card">
                    {move || entries.get().and_then(|a| a.ok()).map(|entries| view! { <EarningsCharts entries=entries currency=currency/> })}
                </section>
            }
        })}
    }
}

#[component]
pub fn Referrals() -> impl IntoView {
    let partners = Fetched::new(downline);
    let tree = RwSignal::new(true);
    let depth = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let filtered = move |all: &[Partner]| -> Vec<Partner> {
        let depth: Option<u32> = depth.get().parse().ok();
        let needle = lowercase(&search.get());
        all.iter()
            .filter(|p| depth.is_none_or(|d| p.level == Some(d)))
            .filter(|p| partner_matches(p, &needle))
            .cloned()
            .collect()
    };
    view! {
        <h1 data-testid="referrals-page">{text(T::NavReferrals)}</h1>
        {loaded(partners, move |all: Vec<Partner>| {
            let direct = all.iter().filter(|p| p.level == Some(1)).count();
            let total = all.len();
            let max_level = all.iter().filter_map(|p| p.level).max().unwrap_or(0);
            let all_for_view = all.clone();
            view! {
                <div class="stats">
                    <div class="stat"><span>{text(T::DirectReferrals)}</span><strong data-testid="direct-count">{direct}</strong></div>
                    <div class="stat"><span>{text(T::WholeDownline)}</span><strong data-testid="downline-count">{total}</strong></div>
                </div>
                <section class="card">
                    <div class="toolbar">
                        <div class="segmented" role="group">
                            <button type="button" aria-pressed=move || tree.get().to_string() on:click=move |_| tree.set(true) data-testid="view-tree">{text(T::Tree)}</button>
                            <button type="button" aria-pressed=move || (!tree.get()).to_string() on:click=move |_| tree.set(false) data-testid="view-table">{text(T::Table)}</button>
                        </div>
                        <label>{text(T::Depth)}" "
                            <select on:change=move |ev| depth.set(event_target_value(&ev)) data-testid="depth-filter">
                                <option value="">{text(T::AllLevels)}</option>
                                {(1..=max_level).map(|l| view! { <option value=l.to_string()>{l}</option> }).collect_view()}
                            </select>
                        </label>
                        <label class="search">{text(T::Search)}" "
                            <input type="search" bind:value=search data-testid="search"/>
                        </label>
                    </div>
                    {move || {
                        let rows = filtered(&all_for_view);
                        if rows.is_empty() {
                            return view! { <Empty text=T::NoReferrals/> }.into_any();
                        }
                        if tree.get() {
                            view! {
                                <ul class="tree" data-testid="tree">
                                    {rows.into_iter().map(|p| {
                                        // A style property, not a style attribute: the CSP allows no inline style.
                                        let indent = format!("{}rem", p.level.unwrap_or(1).saturating_sub(1) * 2);
                                        view! {
                                            <li style:padding-left=indent data-testid="tree-node">
                                                <span class="level">"L"{p.level.unwrap_or(1)}</span>" "
                                                <strong>{p.name}</strong>" "<span class="muted">{p.email}</span>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        } else {
                            view! {
                                <div class="table-wrap"><table class="stacked" data-testid="referrals-table">
                                    <thead><tr>
                                        <th scope="col">{text(T::Name)}</th>
                                        <th scope="col">{text(T::Email)}</th>
                                        <th scope="col">{text(T::Level)}</th>
                                        <th scope="col">{text(T::ExternalId)}</th>
                                        <th scope="col">{text(T::Joined)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|p| view! {
                                            <tr data-testid="referral-row">
                                                <td data-label=text(T::Name)>{p.name}</td><td data-label=text(T::Email)>{p.email}</td><td data-label=text(T::Level)>{p.level}</td>
                                                <td data-label=text(T::ExternalId)>{p.external_id}</td><td data-label=text(T::Joined)>{date(&p.joined_at)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table></div>
                            }.into_any()
                        }
                    }}
                </section>
                {later!(brought_in_view())}
            }
        })}
    }
}

/// What came in through the partner: their leads and their deals. A chunk fetched once the
/// downline has shown.
#[cfg_attr(
    not(test),
    leptos::wasm_split::wasm_split(brought_in, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn brought_in_view() -> Result<AnyView, ApiError> {
    Ok(view! { <LeadsCard/><DealsCard/> }.into_any())
}

/// The deals attributed to the partner, with what each earned them.
#[component]
fn DealsCard() -> impl IntoView {
    let deals = Fetched::new(|| async {
        api::all_pages::<c::ListDeals, DealSummary>(&NoParams {}, &DealListQuery::default(), 10)
            .await
    });
    view! {
        <section class="card" data-testid="deals">
            <h2>{text(T::YourDeals)}</h2>
            {loaded(deals, |items: Vec<DealSummary>| {
                if items.is_empty() {
                    return view! { <Empty text=T::NoDeals/> }.into_any();
                }
                view! {
                    <div class="table-wrap"><table class="stacked">
                        <thead><tr>
                            <th scope="col">{text(T::Deal)}</th>
                            <th scope="col">{text(T::Amount)}</th>
                            <th scope="col">{text(T::Status)}</th>
                            <th scope="col">{text(T::Date)}</th>
                            <th scope="col">{text(T::YouEarned)}</th>
                        </tr></thead>
                        <tbody>
                            {items.into_iter().map(|deal| view! {
                                <tr data-testid="deal-row" data-deal=deal.external_id.clone()>
                                    <td data-label=text(T::Deal)>{deal.external_id.clone()}</td>
                                    <td data-label=text(T::Amount)>{money(deal.amount, deal.currency)}</td>
                                    <td data-label=text(T::Status)>{deal.status}</td>
                                    <td data-label=text(T::Date)>{date(&deal.created_at)}</td>
                                    <td data-label=text(T::YouEarned) data-testid="deal-earned" data-amount=deal.earned.to_string()>{money(deal.earned, deal.currency)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            })}
        </section>
    }
}

/// The leads the partner brought in, and which of them became clients.
#[component]
fn LeadsCard() -> impl IntoView {
    let leads = Fetched::new(|| {
        let me = session()
            .current()
            .and_then(|m| m.partner)
            .map(|p| p.id.to_string());
        async move {
            let query = LeadListQuery {
                partner_id: me,
                ..Default::default()
            };
            api::all_pages::<c::ListLeads, Lead>(&NoParams {}, &query, 10).await
        }
    });
    view! {
        <section class="card" data-testid="leads">
            <h2>{text(T::Leads)}</h2>
            {loaded(leads, |items: Vec<Lead>| {
                if items.is_empty() {
                    return view! { <Empty text=T::NoLeads/> }.into_any();
                }
                view! {
                    <div class="table-wrap"><table class="stacked">
                        <thead><tr>
                            <th scope="col">{text(T::Name)}</th>
                            <th scope="col">{text(T::Source)}</th>
                            <th scope="col">{text(T::Date)}</th>
                            <th scope="col">{text(T::Status)}</th>
                        </tr></thead>
                        <tbody>
                            {items.into_iter().map(|lead| {
                                let status = match &lead.registered_at {
                                    Some(at) => format!("{} {}", tr(T::ClientSince), date(at)),
                                    None => tr(T::LeadOnly).to_owned(),
                                };
                                view! {
                                    <tr data-testid="lead-row">
                                        <td data-label=text(T::Name)>{lead.name}</td>
                                        <td data-label=text(T::Source)>{lead.source}</td>
                                        <td data-label=text(T::Date)>{date(&lead.created_at)}</td>
                                        <td data-label=text(T::Status)>{status}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            })}
        </section>
    }
}

#[component]
pub fn Invite() -> impl IntoView {
    let first = RwSignal::new(String::new());
    let last = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let subject = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let level_zero = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let sent = RwSignal::new(None::<InvitationCreated>);
    let pending = RwSignal::new(false);
    let optional =
        |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned()).filter(|v| !v.is_empty());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(true);
        error.set(None);
        let request = CreateInvitationRequest {
            first_name: first.get_untracked().trim().to_owned(),
            last_name: last.get_untracked().trim().to_owned(),
            email: email.get_untracked().trim().to_owned(),
            phone: optional(phone),
            subject: optional(subject),
            body: optional(body),
            level_zero: level_zero.get_untracked(),
            language: Some(session().language.get_untracked()),
        };
        spawn_local(async move {
            match api::submit::<c::CreateInvitation>(&request).await {
                Ok(created) => {
                    sent.set(Some(created));
                    for field in [first, last, email, phone, subject, body] {
                        field.set(String::new());
                    }
                }
                Err(e) => error.set(Some(e)),
            }
            pending.set(false);
        });
    };
    view! {
        <h1 data-testid="invite-page">{text(T::InviteTitle)}</h1>
        <section class="card narrow">
            <form on:submit=submit novalidate>
                <div class="row">
                    <Field label=T::FirstName name="first_name" value=first error=error required=true/>
                    <Field label=T::LastName name="last_name" value=last error=error required=true/>
                </div>
                <Field label=T::Email name="email" value=email error=error kind="email" required=true/>
                <Field label=T::Phone name="phone" value=phone error=error kind="tel"/>
                <Field label=T::Subject name="subject" value=subject error=error/>
                <TextArea label=T::Message name="body" value=body error=error/>
                <Show when=move || session().can(Permission::InviteLevelZero)>
                    <div class="field checkbox">
                        <input type="checkbox" id="level-zero" bind:checked=level_zero data-testid="input-level_zero"/>
                        <label for="level-zero">{text(T::LevelZero)}</label>
                    </div>
                </Show>
                <FormError error=error fields=&["first_name", "last_name", "email", "phone", "subject", "body"]/>
                <button type="submit" class="primary" data-testid="invite-submit" disabled=move || pending.get()>{text(T::SendInvitation)}</button>
            </form>
            {move || sent.get().map(|created| view! {
                <p class="success" role="status" data-testid="invitation-sent">{text(T::InvitationSent)}" "{date(&created.expires_at)}"."</p>
            })}
        </section>
    }
}

#[component]
pub fn Payouts() -> impl IntoView {
    let payouts = Fetched::new(|| own_payouts(None));
    view! {
        <h1 data-testid="payouts-page">{text(T::NavPayouts)}</h1>
        <section class="card">
            {loaded(payouts, |items: Vec<Payout>| {
                if items.is_empty() {
                    return view! { <Empty text=T::NoPayouts/> }.into_any();
                }
                view! {
                    <div class="table-wrap"><table class="stacked" data-testid="payouts">
                        <thead><tr>
                            <th scope="col">{text(T::Date)}</th>
                            <th scope="col" class="amount">{text(T::Amount)}</th>
                            <th scope="col">{text(T::Status)}</th>
                            <th scope="col">{text(T::Reason)}</th>
                        </tr></thead>
                        <tbody>
                            {items.into_iter().map(|p| view! {
                                <tr data-testid="payout-row">
                                    <td data-label=text(T::Date)>{date(&p.created_at)}</td>
                                    <td class="amount" data-label=text(T::Amount)>{money(p.amount, p.currency)}</td>
                                    <td data-label=text(T::Status)><StatusBadge status=p.status/></td>
                                    <td data-label=text(T::Reason)>{p.reason}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            })}
        </section>
    }
}
