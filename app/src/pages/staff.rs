//! Staff views, each shown by permission: all partners with their wallets, the payout queue,
//! staff users, deal lookup with the commission preview. The program settings live in
//! [`crate::pages::program`].

use crate::api::{self, ApiError};
use crate::components::{
    Empty, Field, FormError, StatusBadge, date, loaded, lowercase, money, parse_amount,
    partner_matches,
};
use crate::fetched::Fetched;
use crate::i18n::T;
use crate::later;
use crate::session::{session, text};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashMap;
use upline_contract as c;
use upline_contract::{
    AdjustmentRequest, CommissionPreview, CreatePartnerRequest, CreateUserRequest, Deal, DealPath,
    IdPath, ListQuery, NoBody, NoParams, Partner, PartnerListQuery, Payout, PayoutListQuery,
    Permission, PreviewQuery, RejectPayoutRequest, SetPermissionsRequest, SetSupervisorRequest,
    User, UserId,
};

/// `?scope=all`: every partner of the program.
fn everyone() -> PartnerListQuery {
    PartnerListQuery {
        scope: Some("all".into()),
        ..Default::default()
    }
}

#[component]
fn WalletCell(partner: Partner) -> impl IntoView {
    let id = partner.id.to_string();
    // The list carries each balance; only an adjustment reads the wallet again.
    let balance = RwSignal::new(partner.balance);
    let currency = session().current().map(|me| me.tenant.currency);
    let reread = {
        let path = IdPath { id: id.clone() };
        Callback::new(move |_| {
            let wallet = api::call::<c::GetPartnerWallet>(&path, &NoParams {}, &NoBody {});
            spawn_local(async move {
                if let Ok(wallet) = wallet.await {
                    balance.set(Some(wallet.balance));
                }
            });
        })
    };
    let adjusting = RwSignal::new(false);
    let manage = session().can(Permission::ManageBalances);
    view! {
        <td class="amount" data-label=text(T::Wallet) data-testid="partner-balance">
            {move || match (balance.get(), currency) {
                (Some(amount), Some(currency)) => money(amount, currency),
                _ => "—".to_owned(),
            }}
        </td>
        <td>
            <Show when=move || manage && !adjusting.get()>
                <button type="button" on:click=move |_| adjusting.set(true) data-testid="adjust">{text(T::Adjust)}</button>
            </Show>
            <Show when=move || adjusting.get()>
                {let id = id.clone(); later!(adjust_form_view(id, adjusting, reread))}
            </Show>
        </td>
    }
}

/// The adjustment form of a partner's wallet, a chunk fetched when staff open it.
#[cfg_attr(
    not(test),
    leptos::wasm_split::wasm_split(adjust_form, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn adjust_form_view(
    partner_id: String,
    adjusting: RwSignal<bool>,
    on_adjusted: Callback<()>,
) -> Result<AnyView, ApiError> {
    let amount = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let amount_value = match parse_amount(&amount.get_untracked(), "amount") {
            Ok(a) => a,
            Err(e) => return error.set(Some(e)),
        };
        let request = AdjustmentRequest {
            amount: amount_value,
            reason: reason.get_untracked().trim().to_owned(),
        };
        let path = IdPath {
            id: partner_id.to_string(),
        };
        spawn_local(async move {
            match api::call::<c::AdjustWallet>(&path, &NoParams {}, &request).await {
                Ok(_) => {
                    adjusting.set(false);
                    on_adjusted.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Ok(view! {
        <form class="inline" on:submit=submit novalidate data-testid="adjust-form">
            <Field label=T::Amount name="amount" value=amount error=error/>
            <Field label=T::Reason name="reason" value=reason error=error/>
            <p class="muted">{text(T::AdjustHint)}</p>
            <FormError error=error fields=&["amount", "reason"]/>
            <button type="submit" class="primary" data-testid="adjust-submit">{text(T::Save)}</button>
            " "<button type="button" on:click=move |_| adjusting.set(false)>{text(T::Cancel)}</button>
        </form>
    }
    .into_any())
}

/// Who recommended the partner, and (with `configure_program`) a move under someone else with
/// the whole downline; a move that would make a cycle is refused by the API and said so.
#[component]
fn SponsorCell(
    partner: Partner,
    current: Option<String>,
    everyone: Vec<(String, String)>,
    on_moved: Callback<()>,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let can_move = session().can(Permission::ConfigureProgram);
    view! {
        <td data-label=text(T::Sponsor)>
            {current}
            <Show when=move || can_move && !editing.get()>
                " "<button type="button" class="link" on:click=move |_| editing.set(true) data-testid="change-sponsor">{text(T::Change)}</button>
            </Show>
            <Show when=move || editing.get()>
                {
                    let (partner, everyone) = (partner.clone(), everyone.clone());
                    later!(sponsor_editor_view(partner, everyone, editing, on_moved))
                }
            </Show>
        </td>
    }
}

/// Choosing a partner's new sponsor, a chunk fetched when staff open it.
#[cfg_attr(
    not(test),
    leptos::wasm_split::wasm_split(sponsor_editor, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn sponsor_editor_view(
    partner: Partner,
    everyone: Vec<(String, String)>,
    editing: RwSignal<bool>,
    on_moved: Callback<()>,
) -> Result<AnyView, ApiError> {
    let chosen = RwSignal::new(
        partner
            .sponsor_id
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    );
    let error = RwSignal::new(None::<ApiError>);
    let id = partner.id.to_string();
    let select_id = format!("sponsor-{id}");
    let save = move |_| {
        let sponsor = chosen.get_untracked();
        let request = upline_contract::SetSponsorRequest {
            sponsor_id: Some(sponsor.as_str().into()).filter(|_| !sponsor.is_empty()),
        };
        let path = IdPath { id: id.to_string() };
        spawn_local(async move {
            match api::call::<c::SetSponsor>(&path, &NoParams {}, &request).await {
                Ok(_) => {
                    editing.set(false);
                    on_moved.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let others = everyone
        .into_iter()
        .filter(|(other, _)| *other != partner.id.to_string())
        .map(|(value, name)| {
            let selected = chosen.get_untracked() == value;
            view! { <option value=value selected=selected>{name}</option> }
        })
        .collect_view();
    Ok(view! {
        <div class="inline">
            <label class="sr-only" for=select_id.clone()>{text(T::Sponsor)}</label>
            <select id=select_id on:change=move |ev| chosen.set(event_target_value(&ev)) data-testid="sponsor-select">
                <option value="">{text(T::None_)}</option>
                {others}
            </select>
            " "<button type="button" class="primary" on:click=save data-testid="sponsor-save">{text(T::Save)}</button>
            " "<button type="button" on:click=move |_| editing.set(false)>{text(T::Cancel)}</button>
            <FormError error=error fields=&[]/>
        </div>
    }
    .into_any())
}

#[component]
pub fn StaffPartners() -> impl IntoView {
    let partners =
        Fetched::new(|| api::all_pages::<c::ListPartners, _>(&NoParams {}, &everyone(), 20));
    let search = RwSignal::new(String::new());
    view! {
        <h1 data-testid="staff-partners-page">{text(T::NavPartners)}</h1>
        {loaded(partners, move |all: Vec<Partner>| {
            let names: HashMap<String, String> = all.iter().map(|p| (p.id.to_string(), p.name.clone())).collect();
            let all_for_rows = all.clone();
            let everyone: Vec<(String, String)> = all.iter().map(|p| (p.id.to_string(), p.name.clone())).collect();
            let everyone_for_form = everyone.clone();
            let rows = move || {
                let needle = lowercase(&search.get());
                all_for_rows.iter()
                    .filter(|p| partner_matches(p, &needle))
                    .cloned()
                    .map(|p| {
                        let sponsor = p.sponsor_id.as_ref().map(|s| names.get(&s.to_string()).cloned().unwrap_or_else(|| s.to_string()));
                        view! {
                            <tr data-testid="partner-row">
                                <td data-label=text(T::Name)>{p.name.clone()}</td>
                                <td data-label=text(T::Email)>{p.email.clone()}</td>
                                <td data-label=text(T::ExternalId)>{p.external_id.clone()}</td>
                                <SponsorCell partner=p.clone() current=sponsor everyone=everyone.clone() on_moved=Callback::new(move |_| partners.refetch())/>
                                <td data-label=text(T::Depth)>{p.depth}</td>
                                <WalletCell partner=p/>
                            </tr>
                        }
                    })
                    .collect_view()
            };
            view! {
                <section class="card">
                    <div class="toolbar">
                        <label class="search">{text(T::Search)}" "<input type="search" bind:value=search data-testid="search"/></label>
                    </div>
                    <div class="table-wrap"><table class="stacked" data-testid="partners-table">
                        <thead><tr>
                            <th scope="col">{text(T::Name)}</th>
                            <th scope="col">{text(T::Email)}</th>
                            <th scope="col">{text(T::ExternalId)}</th>
                            <th scope="col">{text(T::Sponsor)}</th>
                            <th scope="col">{text(T::Depth)}</th>
                            <th scope="col" class="amount">{text(T::Wallet)}</th>
                            <th scope="col"></th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table></div>
                </section>
                <Show when=move || session().can(Permission::ConfigureProgram)>
                    {
                        let everyone = everyone_for_form.clone();
                        later!(add_partner_form_view(everyone, Callback::new(move |_| partners.refetch())))
                    }
                </Show>
            }
        })}
    }
}

/// Adding a partner (who gets a set-password email), a chunk fetched once the list has shown.
#[cfg_attr(
    not(test),
    leptos::wasm_split::wasm_split(add_partner_form, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn add_partner_form_view(
    everyone: Vec<(String, String)>,
    on_added: Callback<()>,
) -> Result<AnyView, ApiError> {
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let sponsor = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let sponsor_id = sponsor.get_untracked();
        let request = CreatePartnerRequest {
            email: email.get_untracked().trim().to_owned(),
            name: name.get_untracked().trim().to_owned(),
            sponsor_id: Some(sponsor_id.as_str().into()).filter(|_| !sponsor_id.is_empty()),
            external_id: None,
            language: None,
        };
        spawn_local(async move {
            match api::submit::<c::CreatePartner>(&request).await {
                Ok(_) => {
                    name.set(String::new());
                    email.set(String::new());
                    error.set(None);
                    on_added.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Ok(view! {
        <section class="card narrow">
            <h2>{text(T::AddPartner)}</h2>
            <form on:submit=add novalidate>
                <Field label=T::Name name="name" value=name error=error/>
                <Field label=T::Email name="email" value=email error=error kind="email"/>
                <div class="field">
                    <label for="new-sponsor">{text(T::Sponsor)}</label>
                    <select id="new-sponsor" on:change=move |ev| sponsor.set(event_target_value(&ev))>
                        <option value="">{text(T::None_)}</option>
                        {everyone.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                    </select>
                </div>
                <FormError error=error fields=&["name", "email"]/>
                <button type="submit" class="primary">{text(T::AddPartner)}</button>
            </form>
        </section>
    }
    .into_any())
}

#[component]
pub fn StaffPayouts() -> impl IntoView {
    let only_open = RwSignal::new(true);
    let queue = Fetched::new(move || {
        let query = PayoutListQuery {
            status: only_open
                .get_untracked()
                .then(|| upline_contract::PayoutStatus::Requested.as_str().to_owned()),
            ..Default::default()
        };
        async move { api::all_pages::<c::ListPayouts, Payout>(&NoParams {}, &query, 20).await }
    });
    view! {
        <h1 data-testid="staff-payouts-page">{text(T::NavPayoutRequests)}</h1>
        <section class="card">
            <label class="checkbox">
                <input type="checkbox" prop:checked=only_open data-testid="only-open" on:change=move |ev| {
                    only_open.set(event_target_checked(&ev));
                    queue.refetch();
                }/>" "{text(T::OnlyOpen)}
            </label>
            {loaded(queue, move |payouts: Vec<Payout>| {
                if payouts.is_empty() {
                    return view! { <Empty text=T::NoPayouts/> }.into_any();
                }
                view! {
                    <div class="table-wrap"><table class="stacked" data-testid="payout-queue">
                        <thead><tr>
                            <th scope="col">{text(T::Date)}</th>
                            <th scope="col">{text(T::Partner)}</th>
                            <th scope="col" class="amount">{text(T::Amount)}</th>
                            <th scope="col">{text(T::Status)}</th>
                            <th scope="col"></th>
                        </tr></thead>
                        <tbody>
                            {payouts.into_iter().map(|p| {
                                // The queue names each partner; an id shows only if that partner is gone.
                                let name = p.partner_name.clone().unwrap_or_else(|| p.partner_id.to_string());
                                view! { <QueueRow payout=p name=name on_done=Callback::new(move |_| queue.refetch())/> }
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            })}
        </section>
    }
}

#[component]
fn QueueRow(payout: Payout, name: String, on_done: Callback<()>) -> impl IntoView {
    let rejecting = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let id = payout.id.clone();
    let open = payout.status == upline_contract::PayoutStatus::Requested;
    let pay = {
        let id = id.clone();
        move |_| {
            let path = IdPath { id: id.clone() };
            spawn_local(async move {
                match api::call::<c::PayPayout>(&path, &NoParams {}, &NoBody {}).await {
                    Ok(_) => on_done.run(()),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    view! {
        <tr data-testid="queue-row">
            <td data-label=text(T::Date)>{date(&payout.created_at)}</td>
            <td data-label=text(T::Partner)>{name}</td>
            <td class="amount" data-label=text(T::Amount)>{money(payout.amount, payout.currency)}</td>
            <td data-label=text(T::Status)><StatusBadge status=payout.status/>" "{payout.reason.clone()}</td>
            <td>
                <Show when=move || open && !rejecting.get()>
                    <button type="button" class="primary" on:click=pay.clone() data-testid="pay">{text(T::Pay)}</button>
                    " "<button type="button" class="danger" on:click=move |_| rejecting.set(true) data-testid="reject">{text(T::Reject)}</button>
                </Show>
                <Show when=move || rejecting.get()>
                    {let id = id.clone(); later!(reject_form_view(id, rejecting, on_done))}
                </Show>
                <FormError error=error fields=&[]/>
            </td>
        </tr>
    }
}

/// Rejecting a payout request with a reason the partner is told, a chunk fetched when staff
/// open it.
#[cfg_attr(
    not(test),
    leptos::wasm_split::wasm_split(reject_form, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn reject_form_view(
    payout_id: String,
    rejecting: RwSignal<bool>,
    on_done: Callback<()>,
) -> Result<AnyView, ApiError> {
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let reject = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let path = IdPath {
            id: payout_id.to_string(),
        };
        let request = RejectPayoutRequest {
            reason: reason.get_untracked().trim().to_owned(),
        };
        spawn_local(async move {
            match api::call::<c::RejectPayout>(&path, &NoParams {}, &request).await {
                Ok(_) => on_done.run(()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Ok(view! {
        <form class="inline" on:submit=reject novalidate>
            <Field label=T::Reason name="reason" value=reason error=error/>
            <button type="submit" class="danger" data-testid="reject-submit">{text(T::Reject)}</button>
            " "<button type="button" on:click=move |_| rejecting.set(false)>{text(T::Cancel)}</button>
            <FormError error=error fields=&["reason"]/>
        </form>
    }
    .into_any())
}

#[component]
pub fn StaffUsers() -> impl IntoView {
    let users =
        Fetched::new(|| api::all_pages::<c::ListUsers, _>(&NoParams {}, &ListQuery::default(), 20));
    view! {
        <h1 data-testid="staff-users-page">{text(T::NavUsers)}</h1>
        {loaded(users, move |all: Vec<User>| {
            let names: HashMap<String, String> = all.iter().map(|u| (u.id.to_string(), u.name.clone())).collect();
            let everyone: Vec<(String, String)> = all.iter().map(|u| (u.id.to_string(), u.name.clone())).collect();
            let on_changed = Callback::new(move |_| users.refetch());
            view! {
                <section class="card">
                    <div class="table-wrap"><table class="stacked" data-testid="users-table">
                        <thead><tr>
                            <th scope="col">{text(T::Name)}</th>
                            <th scope="col">{text(T::Email)}</th>
                            <th scope="col">{text(T::Permissions)}</th>
                            <th scope="col">{text(T::Supervisor)}</th>
                            <th scope="col"><span class="sr-only">{text(T::Edit)}</span></th>
                        </tr></thead>
                        <tbody>
                            {all.into_iter().map(|u| {
                                view! { <UserRow user=u everyone=everyone.clone() names=names.clone() on_saved=on_changed/> }
                            }).collect_view()}
                        </tbody>
                    </table></div>
                </section>
                {later!(add_user_form_view(everyone, on_changed))}
            }
        })}
    }
}

/// A checkbox for each permission; `granted` holds the ticked ones. `id_prefix` keeps the boxes'
/// ids apart where there are several sets on the page.
#[component]
fn PermissionBoxes(granted: RwSignal<Vec<Permission>>, id_prefix: String) -> impl IntoView {
    view! {
        <fieldset>
            <legend>{text(T::Permissions)}</legend>
            {Permission::ALL.into_iter().map(|permission| {
                let id = format!("{id_prefix}{}", permission.as_str());
                view! {
                    <div class="checkbox">
                        <input type="checkbox" id=id.clone() data-testid=id.clone()
                            prop:checked=move || granted.get().contains(&permission)
                            on:change=move |_| granted.update(|g| if let Some(i) = g.iter().position(|p| *p == permission) { g.remove(i); } else { g.push(permission); })/>
                        <label for=id><code>{permission.as_str()}</code></label>
                    </div>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// A choice of supervisor among `everyone` (id, name), none by default.
#[component]
fn SupervisorSelect(
    id: String,
    everyone: Vec<(String, String)>,
    chosen: RwSignal<String>,
) -> impl IntoView {
    let options = everyone
        .into_iter()
        .map(|(value, name)| {
            let selected = chosen.get_untracked() == value;
            view! { <option value=value selected=selected>{name}</option> }
        })
        .collect_view();
    view! {
        <div class="field">
            <label for=id.clone()>{text(T::Supervisor)}</label>
            <select id=id.clone() data-testid=id on:change=move |ev| chosen.set(event_target_value(&ev))>
                <option value="">{text(T::None_)}</option>
                {options}
            </select>
        </div>
    }
}

/// Adding a staff user with permissions and a supervisor, a chunk fetched once the list has
/// shown.
#[cfg_attr(
    not(test),
    leptos::wasm_split::wasm_split(add_user_form, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn add_user_form_view(
    everyone: Vec<(String, String)>,
    on_added: Callback<()>,
) -> Result<AnyView, ApiError> {
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let supervisor = RwSignal::new(String::new());
    let granted = RwSignal::new(Vec::<Permission>::new());
    let error = RwSignal::new(None::<ApiError>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let supervisor_id = supervisor.get_untracked();
        let request = CreateUserRequest {
            email: email.get_untracked().trim().to_owned(),
            name: name.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
            permissions: granted.get_untracked(),
            supervisor_id: Some(supervisor_id.as_str().into())
                .filter(|_| !supervisor_id.is_empty()),
            language: None,
        };
        spawn_local(async move {
            match api::submit::<c::CreateUser>(&request).await {
                Ok(_) => {
                    for field in [name, email, password] {
                        field.set(String::new());
                    }
                    granted.set(Vec::new());
                    error.set(None);
                    on_added.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    Ok(view! {
        <section class="card narrow">
            <h2>{text(T::AddUser)}</h2>
            <form on:submit=add novalidate>
                <Field label=T::Name name="name" value=name error=error/>
                <Field label=T::Email name="email" value=email error=error kind="email"/>
                <Field label=T::Password name="password" value=password error=error kind="password" autocomplete="new-password"/>
                <PermissionBoxes granted=granted id_prefix="perm-".to_owned()/>
                <SupervisorSelect id="new-supervisor".to_owned() everyone=everyone chosen=supervisor/>
                <FormError error=error fields=&["name", "email", "password"]/>
                <button type="submit" class="primary" data-testid="add-user">{text(T::AddUser)}</button>
            </form>
        </section>
    }
    .into_any())
}

/// A staff user's row; "Edit" opens their permissions and supervisor in place. One's own row has
/// no editor: nobody changes their own permissions (the API refuses it too).
#[component]
fn UserRow(
    user: User,
    everyone: Vec<(String, String)>,
    names: HashMap<String, String>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let shown = user
        .permissions
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let boss = user
        .supervisor_id
        .as_ref()
        .and_then(|s| names.get(&s.to_string()).cloned());
    let is_me = session().current().is_some_and(|me| me.user.id == user.id);
    let editing = RwSignal::new(false);
    let (name, email) = (user.name.clone(), user.email.clone());
    view! {
        <tr data-testid="user-row">
            <td data-label=text(T::Name)>{name}</td>
            <td data-label=text(T::Email)>{email}</td>
            <td data-label=text(T::Permissions)>
                <Show when=move || !editing.get() fallback=move || {
                    let (user, everyone) = (user.clone(), everyone.clone());
                    later!(user_editor_view(user, everyone, editing, on_saved))
                }>
                    <code>{shown.clone()}</code>
                </Show>
            </td>
            <td data-label=text(T::Supervisor)>{boss}</td>
            <td>
                <Show when=move || !is_me && !editing.get()>
                    <button type="button" on:click=move |_| editing.set(true) data-testid="edit-user">{text(T::Edit)}</button>
                </Show>
            </td>
        </tr>
    }
}

/// A user's permissions and supervisor, edited in their row: a chunk fetched when staff open it.
#[cfg_attr(
    not(test),
    leptos::wasm_split::wasm_split(user_editor, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn user_editor_view(
    user: User,
    everyone: Vec<(String, String)>,
    editing: RwSignal<bool>,
    on_saved: Callback<()>,
) -> Result<AnyView, ApiError> {
    let granted = RwSignal::new(user.permissions.clone());
    let supervisor = RwSignal::new(
        user.supervisor_id
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    );
    let error = RwSignal::new(None::<ApiError>);
    let id = user.id.to_string();
    let mut held = user.permissions.clone();
    held.sort();
    let old_supervisor = user.supervisor_id.clone();
    let save = {
        let id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let mut permissions = granted.get_untracked();
            permissions.sort();
            let chosen = supervisor.get_untracked();
            let supervisor_id = Some(UserId::from(chosen.as_str())).filter(|_| !chosen.is_empty());
            let (id, held, old_supervisor) = (id.clone(), held.clone(), old_supervisor.clone());
            spawn_local(async move {
                if permissions != held {
                    let path = IdPath { id: id.to_string() };
                    let request = SetPermissionsRequest { permissions };
                    if let Err(e) =
                        api::call::<c::SetPermissions>(&path, &NoParams {}, &request).await
                    {
                        return error.set(Some(e));
                    }
                }
                if supervisor_id != old_supervisor {
                    let path = IdPath { id: id.to_string() };
                    let request = SetSupervisorRequest { supervisor_id };
                    if let Err(e) =
                        api::call::<c::SetSupervisor>(&path, &NoParams {}, &request).await
                    {
                        return error.set(Some(e));
                    }
                }
                error.set(None);
                editing.set(false);
                on_saved.run(());
            });
        }
    };
    let others: Vec<(String, String)> = everyone
        .into_iter()
        .filter(|(other, _)| *other != id)
        .collect();
    Ok(view! {
        <form class="inline" on:submit=save novalidate data-testid="user-form">
            <PermissionBoxes granted=granted id_prefix="edit-".to_owned()/>
            <SupervisorSelect id="edit-supervisor".to_owned() everyone=others chosen=supervisor/>
            <FormError error=error fields=&[]/>
            <button type="submit" class="primary" data-testid="save-user">{text(T::Save)}</button>
            " "<button type="button" on:click=move |_| editing.set(false)>{text(T::Cancel)}</button>
        </form>
    }
    .into_any())
}

#[component]
pub fn DealLookup() -> impl IntoView {
    let external_id = RwSignal::new(String::new());
    let status = RwSignal::new("won".to_owned());
    let error = RwSignal::new(None::<ApiError>);
    let found = RwSignal::new(None::<Deal>);
    let preview = RwSignal::new(None::<CommissionPreview>);
    let find = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = external_id.get_untracked().trim().to_owned();
        let status = status.get_untracked().trim().to_owned();
        let deal = DealPath { external_id: id };
        spawn_local(async move {
            error.set(None);
            match api::call::<c::GetDeal>(&deal, &NoParams {}, &NoBody {}).await {
                Ok(deal) => found.set(Some(deal)),
                Err(e) => {
                    found.set(None);
                    preview.set(None);
                    return error.set(Some(ApiError {
                        field: Some("external_id".into()),
                        ..e
                    }));
                }
            }
            let query = PreviewQuery {
                status: Some(status),
            };
            match api::call::<c::PreviewCommission>(&deal, &query, &NoBody {}).await {
                Ok(p) => preview.set(Some(p)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <h1 data-testid="deals-page">{text(T::DealLookup)}</h1>
        <section class="card narrow">
            <form on:submit=find novalidate class="row">
                <Field label=T::Deal name="external_id" value=external_id error=error/>
                <Field label=T::DealStatus name="status" value=status error=error/>
                <button type="submit" class="primary" data-testid="find-deal">{text(T::Find)}</button>
            </form>
            <FormError error=error fields=&["external_id", "status"]/>
        </section>
        {move || found.get().map(|deal| later!(deal_view(deal, status, preview)))}
    }
}

/// A deal found: its history, what it earned, and what entering `status` would credit now. A
/// chunk fetched with the first deal found.
#[cfg_attr(
    not(test),
    leptos::wasm_split::wasm_split(deal_found, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn deal_view(
    deal: Deal,
    status: RwSignal<String>,
    preview: RwSignal<Option<CommissionPreview>>,
) -> Result<AnyView, ApiError> {
    let currency = deal.currency;
    Ok(view! {
        <section class="card" data-testid="deal">
            <h2>{deal.external_id.clone()}" · "{money(deal.amount, currency)}" · "<code>{deal.status.clone()}</code></h2>
            <h3>{text(T::History)}</h3>
            <ol>
                {deal.history.iter().map(|h| view! {
                    <li>{date(&h.at)}": "{h.from.clone().unwrap_or_default()}" → "<code>{h.to.clone()}</code>" ("{money(h.amount, currency)}")"</li>
                }).collect_view()}
            </ol>
            <h3>{text(T::Earned)}</h3>
            <CommissionTable items=deal.commissions.clone() currency=currency testid="deal-commissions"/>
            <h3>{text(T::Preview)}" — "{text(T::PreviewIf)}" "<code>{move || status.get()}</code></h3>
            {move || preview.get().map(|p| view! { <CommissionTable items=p.items currency=currency testid="preview"/> })}
        </section>
    }
    .into_any())
}

#[component]
fn CommissionTable(
    items: Vec<upline_contract::Commission>,
    currency: upline_contract::Currency,
    testid: &'static str,
) -> impl IntoView {
    if items.is_empty() {
        return view! { <Empty text=T::NothingEarned/> }.into_any();
    }
    view! {
        <table data-testid=testid>
            <thead><tr>
                <th scope="col">{text(T::Level)}</th>
                <th scope="col">{text(T::Partner)}</th>
                <th scope="col">{text(T::Rule)}</th>
                <th scope="col" class="amount">{text(T::Amount)}</th>
            </tr></thead>
            <tbody>
                {items.into_iter().map(|c| view! {
                    <tr data-testid="commission-row" data-level=c.level data-amount=c.amount.to_string()>
                        <td>{c.level}</td><td><code>{c.partner_id.to_string()}</code></td><td><code>{c.rule}</code></td>
                        <td class="amount">{money(c.amount, currency)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
