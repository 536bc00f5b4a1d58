//! What a view fetches when it opens, and fetches again on demand.

use leptos::prelude::*;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

type Fetch<T> = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = T>>>>;

/// The answer of a fetch: `None` until it first arrives; a refetch keeps showing the previous
/// answer until the next one replaces it, and an answer overtaken by a later refetch is dropped.
///
/// A signal set by a task rather than a `LocalResource`: Leptos compiles a resource's async
/// machinery once more for every type it holds, which costs each page kilobytes of wasm. Nothing
/// is tracked: what a fetch depends on changes by calling [`Fetched::refetch`].
pub struct Fetched<T: Send + Sync + 'static> {
    answer: RwSignal<Option<T>>,
    again: StoredValue<Rc<dyn Fn()>, LocalStorage>,
}

impl<T: Send + Sync + 'static> Clone for Fetched<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Fetched<T> {}

impl<T: Clone + Send + Sync + 'static> Fetched<T> {
    /// Starts `fetch` now.
    pub fn new<F: Future<Output = T> + 'static>(fetch: impl Fn() -> F + 'static) -> Self {
        let fetch: Fetch<T> = Rc::new(move || Box::pin(fetch()));
        Self::start(fetch)
    }

    // Generic over the answer only, not over each call site's closure: the part compiled once
    // per type.
    fn start(fetch: Fetch<T>) -> Self {
        let answer = RwSignal::new(None);
        let latest = Rc::new(Cell::new(0_u32));
        let run: Rc<dyn Fn()> = Rc::new(move || {
            let this_run = latest.get().wrapping_add(1);
            latest.set(this_run);
            let latest = latest.clone();
            let pending = fetch();
            leptos::task::spawn_local(async move {
                let value = pending.await;
                // Setting a signal whose view has gone is a no-op.
                if latest.get() == this_run {
                    answer.set(Some(value));
                }
            });
        });
        run();
        Self {
            answer,
            again: StoredValue::new_local(run),
        }
    }

    /// The answer, tracked by the reactive context reading it.
    pub fn get(&self) -> Option<T> {
        self.answer.get()
    }

    pub fn get_untracked(&self) -> Option<T> {
        self.answer.get_untracked()
    }

    /// Fetches again (after a change the answer depends on).
    pub fn refetch(&self) {
        if let Some(run) = self.again.try_get_value() {
            run();
        }
    }
}
