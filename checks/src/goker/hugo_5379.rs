//! GoKer `hugo_5379` (hugo PR #5379): the goroutine that builds a page's content holds the
//! page's content lock while a shortcode in the content counts the page's words, and counting
//! them takes that lock again (through the plain-text `Once`).
//!
//! Ports `gobench/goker/blocking/hugo/5379/hugo5379_test.go` (GoBench: resource deadlock, double
//! locking). The test makes a site with one page, whose shortcode renderer counts the page's
//! words, and builds it: the page's shortcodes are prepared, then two page renderers, one
//! goroutine each, count the page's words, and the test waits for them on a WaitGroup. Counting
//! words first builds the content (`initContent`, once): it starts a goroutine that takes the
//! content lock and renders the shortcodes, and waits for it with a 1 ms timeout; then it makes
//! the plain text (`initPlain`, once), which takes the content lock. The shortcode counts the
//! words again from inside that goroutine: its `initContent` waits for the first one to time
//! out, and its `initPlain` then locks the content lock the goroutine already holds, or waits
//! for a renderer's `initPlain`, which waits for that lock: every goroutine ends up blocked, and
//! the test with them. Only when the timeout passes and a renderer makes the plain text before
//! the goroutine takes the lock does everything finish. The small instance (for loom) runs one
//! page renderer, which shows the bug; the large one the kernel's two. The sites builder's
//! wrappers, which only pass the call on, are folded, and the unused `contentInit` of the
//! embedded `pageContentInit` (hidden by the page's own) is left out. Fix (the upstream fix, hugo
//! commit 729593c): `initContent` takes the content lock itself, around starting the goroutine
//! and waiting for it, and the goroutine no longer takes it (upstream's goroutine also stops
//! early on the timeout, before a summary step the kernel leaves out).

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select};
use patterns::{Backend, Context, Mutex, Once, WaitGroup};
use std::collections::BTreeMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

zoo_entry! {
    /// A site with one page is built; its shortcode counts the page's words while the page's
    /// renderers count them too.
    pub struct Hugo5379 {
        /// Page renderers (the kernel has two).
        pub workers: usize,
    }
}

type Error = &'static str;

/// A shortcode's renderer: Go's `func() error`.
type Renderer = Arc<dyn Fn() -> Result<(), Error> + Send + Sync>;

type Renderers = BTreeMap<i32, Renderer>;

struct ShortcodeHandler<B: Backend> {
    p: PageWithoutContent<B>,
    /// The two maps, which Go writes before the page renderers start and reads after: the
    /// backend locks are for Rust's sake, and are only ever taken for a moment.
    content_shortcodes: B::Mutex<Renderers>,
    content_shortcodes_delta: B::Mutex<Renderers>,
    init: Once<B>,
}

impl<B: Backend> ShortcodeHandler<B> {
    fn execute_shortcodes_for_delta(&self, _p: &PageWithoutContent<B>) -> Result<(), Error> {
        let delta: Vec<Renderer> = B::lock(&self.content_shortcodes_delta)
            .values()
            .cloned()
            .collect();
        for render in delta {
            // The kernel goes on to the next shortcode when one fails.
            let _ = render();
        }
        Ok(())
    }

    fn update_delta(&self) {
        self.init.call(|| {
            let renderers = create_shortcode_renderers(&self.p.page().without_content());
            *B::lock(&self.content_shortcodes) = renderers;
        });
        let mut delta = Renderers::new();
        for (k, v) in B::lock(&self.content_shortcodes).iter() {
            delta.entry(*k).or_insert_with(|| Arc::clone(v));
        }
        *B::lock(&self.content_shortcodes_delta) = delta;
    }
}

/// Go's `PageWithoutContent`, which embeds a `*Page`: weak, since the page keeps it (Go's
/// collector frees the two together).
struct PageWithoutContent<B: Backend> {
    page: Weak<Page<B>>,
}

impl<B: Backend> Clone for PageWithoutContent<B> {
    fn clone(&self) -> Self {
        Self {
            page: Weak::clone(&self.page),
        }
    }
}

impl<B: Backend> PageWithoutContent<B> {
    /// The embedded page.
    fn page(&self) -> Arc<Page<B>> {
        self.page
            .upgrade()
            .expect("the page outlives its renderers")
    }
}

struct Page<B: Backend> {
    /// The embedded `pageInit`'s only field.
    without_content_init: Once<B>,
    /// The embedded `pageContentInit`'s `plainInit`.
    plain_init: Once<B>,
    /// Set once by `without_content_init`, before anything is shared: the backend lock is for
    /// Rust's sake, and is only ever taken for a moment.
    page_without_content: B::Mutex<PageWithoutContent<B>>,
    content_init: Once<B>,
    content_init_mu: Mutex<B>,
    /// Set by the test right after the page is made.
    shortcode_state: B::Mutex<Option<Arc<ShortcodeHandler<B>>>>,
    /// Whether the fix runs (not the kernel's).
    fixed: bool,
}

impl<B: Backend> Page<B> {
    fn word_count(self: &Arc<Self>) {
        self.init_content_plain_and_meta();
    }

    fn init_content_plain_and_meta(self: &Arc<Self>) {
        self.init_content();
        self.init_plain(true);
    }

    fn init_plain(&self, lock: bool) {
        self.plain_init.call(|| {
            if lock {
                self.content_init_mu.lock(); // the double locking
                self.content_init_mu.unlock(); // the deferred unlock
            }
        });
    }

    fn without_content(self: &Arc<Self>) -> PageWithoutContent<B> {
        self.without_content_init.call(|| {
            *B::lock(&self.page_without_content) = PageWithoutContent {
                page: Arc::downgrade(self),
            };
        });
        B::lock(&self.page_without_content).clone()
    }

    fn prepare_for_render(self: &Arc<Self>) -> Result<(), Error> {
        handle_shortcodes(&self.without_content())?;
        Ok(())
    }

    fn set_content_init(&self) {
        self.shortcode_state().update_delta();
    }

    fn shortcode_state(&self) -> Arc<ShortcodeHandler<B>> {
        B::lock(&self.shortcode_state)
            .clone()
            .expect("set by the test")
    }

    fn init_content(self: &Arc<Self>) {
        self.content_init.call(|| {
            let (ctx, cancel) =
                Context::<B>::background_in().with_timeout(Duration::from_millis(1));
            let (c_tx, c) = chan::bounded_in::<B, Result<(), Error>>(1);
            if self.fixed {
                self.content_init_mu.lock();
            }
            let p = Arc::clone(self);
            drop(B::spawn("init-content", move || {
                if !p.fixed {
                    p.content_init_mu.lock(); // the first lock
                }
                let err = p.prepare_for_render();
                // A buffer of one, and one send: it never waits.
                let _ = c_tx.send(err);
                if !p.fixed {
                    p.content_init_mu.unlock(); // the deferred unlock
                }
            }));
            let (mut timed_out, mut prepared) = (RecvArm::new(ctx.done()), RecvArm::new(&c));
            let _ = Select::new()
                .recv(&mut timed_out)
                .recv(&mut prepared)
                .wait();
            if self.fixed {
                self.content_init_mu.unlock(); // the fix's deferred unlock
            }
            cancel.cancel(); // the deferred cancel
        });
    }
}

fn handle_shortcodes<B: Backend>(p: &PageWithoutContent<B>) -> Result<(), Error> {
    p.page().shortcode_state().execute_shortcodes_for_delta(p)
}

fn create_shortcode_renderers<B: Backend>(p: &PageWithoutContent<B>) -> Renderers {
    prepare_shortcode_for_page(p)
}

fn prepare_shortcode_for_page<B: Backend>(p: &PageWithoutContent<B>) -> Renderers {
    let mut m = Renderers::new();
    let p = p.clone();
    let render: Renderer = Arc::new(move || render_shortcode(&p));
    m.insert(0, render);
    m
}

fn render_shortcode<B: Backend>(p: &PageWithoutContent<B>) -> Result<(), Error> {
    render_shortcode_with_page(p)
}

fn render_shortcode_with_page<B: Backend>(p: &PageWithoutContent<B>) -> Result<(), Error> {
    p.page().word_count();
    Ok(())
}

fn new_shortcode_handler<B: Backend>(p: &Arc<Page<B>>) -> ShortcodeHandler<B> {
    ShortcodeHandler {
        p: p.without_content(),
        content_shortcodes: B::mutex(Renderers::new()),
        content_shortcodes_delta: B::mutex(Renderers::new()),
        init: Once::new_in(),
    }
}

/// A site, with the kernel's embedded `PageCollections`' pages.
struct Site<B: Backend> {
    pages: Vec<Arc<Page<B>>>,
}

impl<B: Backend> Site<B> {
    fn prepare_pages_for_render(&self) {
        for p in &self.pages {
            p.set_content_init();
        }
    }

    fn render_for_layouts(&self) {
        for p in &self.pages {
            p.word_count();
        }
    }

    fn render_and_write_page(&self) {
        self.render_for_layouts();
    }

    fn render_pages(self: &Arc<Self>, num_workers: usize) {
        let wg = WaitGroup::<B>::new_in();
        for i in 0..num_workers {
            wg.add(1);
            let (s, wg) = (Arc::clone(self), wg.clone());
            drop(B::spawn(&format!("page-renderer-{i}"), move || {
                page_renderer(&s, &wg)
            }));
        }
        wg.wait(); // blocks here
    }
}

fn page_renderer<B: Backend>(s: &Site<B>, wg: &WaitGroup<B>) {
    s.render_and_write_page();
    wg.done(); // the deferred Done
}

struct HugoSites<B: Backend> {
    sites: Vec<Arc<Site<B>>>,
}

impl<B: Backend> HugoSites<B> {
    fn render(&self, num_workers: usize) {
        for s in &self.sites {
            for s2 in &self.sites {
                s2.prepare_pages_for_render();
            }
            s.render_pages(num_workers);
        }
    }

    fn build(&self, num_workers: usize) {
        self.render(num_workers);
    }
}

fn new_hugo_sites<B: Backend>() -> HugoSites<B> {
    HugoSites {
        sites: create_sites_from_config(),
    }
}

fn create_sites_from_config<B: Backend>() -> Vec<Arc<Site<B>>> {
    vec![Arc::new(new_site())]
}

fn new_site<B: Backend>() -> Site<B> {
    Site { pages: Vec::new() }
}

impl Scenario for Hugo5379 {
    const NAME: &'static str = "goker::hugo_5379";
    // The bug needs no preemption (the content goroutine runs while the renderer waits for it); the
    // fix passes in 1,470 schedules.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "building the site returns";
    broken_instances! {
        small: { workers: 1 },
        large: { workers: 2 },
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        // The builder's `CreateSites`.
        let mut h = new_hugo_sites::<B>();
        for site in &mut h.sites {
            let p = Arc::new(Page::<B> {
                without_content_init: Once::new_in(),
                plain_init: Once::new_in(),
                page_without_content: B::mutex(PageWithoutContent { page: Weak::new() }),
                content_init: Once::new_in(),
                content_init_mu: Mutex::new_in(),
                shortcode_state: B::mutex(None),
                fixed,
            });
            let handler = new_shortcode_handler(&p);
            *B::lock(&p.shortcode_state) = Some(Arc::new(handler));
            Arc::get_mut(site)
                .expect("not shared before the build")
                .pages
                .push(p);
        }
        h.build(self.workers);
    }
}

impl Mistake for Hugo5379 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    // The content goroutine's lock, then a lock of the same mutex (by it or by the renderer
    // making the plain text) that never returns.
    const TRACE_SHOWS: &'static [&'static str] = &["lock mutex", "once", "(never returned)"];
}

impl Kernel for Hugo5379 {
    const GOKER: Goker = Goker {
        project: "hugo",
        id: 5379,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "Double locking",
    };
}
