use super::*;
use tokio::sync::oneshot;

fn case_row(tenant: Uuid) -> case::Model {
    let now = chrono::Utc::now();
    case::Model {
        id: Uuid::now_v7(),
        tenant_id: tenant,
        tracking_number: "T".into(),
        channel: "phone".into(),
        contact_type: "complaint".into(),
        category: None,
        urgency: "normal".into(),
        title: "t".into(),
        description: "d".into(),
        address: None,
        district: None,
        lat: None,
        long: None,
        caller_name_enc: None,
        caller_name_masked: None,
        caller_phone_enc: None,
        caller_phone_hash: None,
        caller_phone_masked: None,
        anonymous: true,
        dialled_number: None,
        attachments: None,
        status: "received".into(),
        closure: None,
        lead_unit_id: None,
        reported_unit_id: None,
        answer: None,
        referral: None,
        transfer_line: None,
        duplicate_of: None,
        feedback: None,
        feedback_resolved: None,
        feedback_details: None,
        rating: None,
        rating_comment: None,
        rated_at: None,
        no_return_visit: false,
        return_count: 0,
        reopen_count: 0,
        problem: false,
        problem_reason: None,
        extension_days: None,
        extension_reason: None,
        sign_due_at: None,
        feedback_due_at: None,
        public_token_hash: None,
        created_by: None,
        created_via: "api".into(),
        version: 1,
        created_at: now,
        updated_at: now,
        closed_at: None,
        feedback_near_at: None,
    }
}

fn read(tenant: Uuid) -> Arc<CaseRead> {
    Arc::new(CaseRead { case: case_row(tenant), parts: vec![] })
}

fn live(limits: Limits) -> ReadCache {
    let c = ReadCache::new(limits);
    c.set_live(true);
    c
}

fn fence(scope: CaseScope) -> Fence {
    let row_security = match scope {
        CaseScope::Tenant(t) => t.to_string(),
        _ => "platform".into(),
    };
    Fence { scope, row_security }
}

const ROOMY: Limits = Limits { cases: 1000, pages: 100 };

fn page_key(scope: CaseScope, filter: CaseFilter) -> PageKey {
    PageKey { fence: fence(scope), filter, page: PageRequest { after: None, limit: 20 } }
}

fn page(items: Vec<Arc<CaseRead>>) -> Arc<PageRead> {
    Arc::new(PageRead { items: items.iter().map(|c| (**c).clone()).collect(), next: None })
}

#[test]
fn nothing_is_kept_or_served_until_the_listener_listens_nor_with_no_room() {
    let t = Uuid::now_v7();
    let all = fence(CaseScope::All);
    let c = ReadCache::new(ROOMY);
    assert_eq!(c.case_ticket(), None, "not listening yet");
    c.set_live(true);
    let ticket = c.case_ticket().expect("listening");
    let v = read(t);
    c.keep_case(ticket, all.clone(), v.clone());
    assert_eq!(c.case(&all, v.case.id), Some(v.clone()));
    c.set_live(false);
    assert_eq!(c.case(&all, v.case.id), None, "a listener that stopped empties the cache");
    c.keep_case(ticket, all.clone(), v.clone());
    c.set_live(true);
    assert_eq!(c.case(&all, v.case.id), None, "a fill from before the gap is not kept");

    let off = live(Limits { cases: 0, pages: 0 });
    assert!(!off.is_live());
    assert_eq!(off.case_ticket(), None);
    assert_eq!(off.page_ticket(&page_key(CaseScope::All, CaseFilter::default())), None);
}

#[test]
fn an_answer_is_served_only_to_the_same_scopes_that_asked() {
    let (t, u) = (Uuid::now_v7(), Uuid::now_v7());
    let c = live(ROOMY);
    let v = read(t);
    let id = v.case.id;
    c.keep_case(c.case_ticket().unwrap(), fence(CaseScope::Tenant(t)), v.clone());
    assert_eq!(c.case(&fence(CaseScope::Tenant(t)), id), Some(v.clone()));
    for other in [CaseScope::Tenant(u), CaseScope::All, CaseScope::Unit(t), CaseScope::CreatedBy(t)] {
        assert_eq!(c.case(&fence(other), id), None, "{other:?}");
    }
    // Same service scope, another row-level-security scope: another question.
    let wider = Fence { scope: CaseScope::Tenant(t), row_security: format!("{t},{u}") };
    assert_eq!(c.case(&wider, id), None);
    // Each fence keeps its own answer; a second fill replaces the first.
    let again = read(t);
    let again = Arc::new(CaseRead { case: case::Model { id, ..again.case.clone() }, parts: vec![] });
    c.keep_case(c.case_ticket().unwrap(), fence(CaseScope::All), again.clone());
    c.keep_case(c.case_ticket().unwrap(), fence(CaseScope::All), again.clone());
    assert_eq!(c.case(&fence(CaseScope::All), id), Some(again));
    assert_eq!(c.case(&fence(CaseScope::Tenant(t)), id), Some(v));
    assert_eq!(c.reading().cases, 1, "one case, two fences");
}

#[test]
fn a_change_drops_the_case_and_refuses_fills_that_began_before_it() {
    let t = Uuid::now_v7();
    let all = fence(CaseScope::All);
    let c = live(ROOMY);
    let (v, w) = (read(t), read(t));
    c.keep_case(c.case_ticket().unwrap(), all.clone(), v.clone());
    c.keep_case(c.case_ticket().unwrap(), all.clone(), w.clone());
    let before = c.case_ticket().unwrap();
    c.apply(&format!("c{}", v.case.id));
    assert_eq!(c.case(&all, v.case.id), None, "changed");
    assert_eq!(c.case(&all, w.case.id), Some(w.clone()), "another case stays");
    // A read that began before the notice may hold the row of before: not kept.
    c.keep_case(before, all.clone(), v.clone());
    assert_eq!(c.case(&all, v.case.id), None);
    // One that began after it read the change: kept.
    c.keep_case(c.case_ticket().unwrap(), all.clone(), v.clone());
    assert_eq!(c.case(&all, v.case.id), Some(v));
    let r = c.reading();
    assert_eq!((r.notices, r.case_hits, r.case_misses), (1, 2, 2));
}

#[test]
fn line_notices_make_that_lines_pages_and_the_untagged_ones_stale() {
    let (t, u) = (Uuid::now_v7(), Uuid::now_v7());
    let c = live(ROOMY);
    let mine = page_key(CaseScope::Tenant(t), CaseFilter::default());
    let city = page_key(CaseScope::All, CaseFilter::default());
    let city_of_t = page_key(CaseScope::All, CaseFilter { tenant_id: Some(t), ..Default::default() });
    let unit = page_key(CaseScope::Unit(u), CaseFilter::default());
    let p = page(vec![read(t)]);
    for k in [&mine, &city, &city_of_t, &unit] {
        c.keep_page(c.page_ticket(k).unwrap(), k.clone(), p.clone());
        assert_eq!(c.page(k), Some(p.clone()), "{k:?}");
    }
    c.lists_changed(&[u]);
    assert_eq!(c.page(&mine), Some(p.clone()), "another line's change leaves a line's pages");
    assert_eq!(c.page(&city_of_t), Some(p.clone()));
    assert_eq!(c.page(&city), None, "the city's pages show every line");
    assert_eq!(c.page(&unit), None, "a unit's pages are not tagged with a line");
    c.apply(&format!("t{u},{t}"));
    assert_eq!(c.page(&mine), None);
    assert_eq!(c.page(&city_of_t), None);
}

#[test]
fn an_integrators_pages_go_stale_only_with_the_cases_it_brought_in() {
    let (t, k, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let c = live(ROOMY);
    let mine = page_key(CaseScope::CreatedBy(k), CaseFilter::default());
    let p = page(vec![read(t)]);
    c.keep_page(c.page_ticket(&mine).unwrap(), mine.clone(), p.clone());
    c.apply(&format!("t{t}"));
    c.apply(&format!("k{other}"));
    assert_eq!(c.page(&mine), Some(p.clone()), "other lines' and other creators' changes leave it");
    let before = c.page_ticket(&mine).unwrap();
    c.apply(&format!("k{other},{k}"));
    assert_eq!(c.page(&mine), None);
    c.keep_page(before, mine.clone(), p.clone());
    assert_eq!(c.page(&mine), None, "a read across the notice is not kept");
    c.keep_page(c.page_ticket(&mine).unwrap(), mine.clone(), p.clone());
    c.creators_changed(&[k]);
    assert_eq!(c.page(&mine), None, "the intake's own mark, before its notice");
}

#[test]
fn a_page_read_across_a_notice_of_its_line_is_not_kept() {
    let t = Uuid::now_v7();
    let c = live(ROOMY);
    let k = page_key(CaseScope::Tenant(t), CaseFilter::default());
    let before = c.page_ticket(&k).unwrap();
    c.lists_changed(&[t]);
    c.keep_page(before, k.clone(), page(vec![]));
    assert_eq!(c.page(&k), None);
    let flushed = c.page_ticket(&k).unwrap();
    c.flush();
    c.keep_page(flushed, k.clone(), page(vec![]));
    assert_eq!(c.page(&k), None, "nor across a flush");
    c.keep_page(c.page_ticket(&k).unwrap(), k.clone(), page(vec![]));
    assert!(c.page(&k).is_some());
}

#[test]
fn pages_that_depend_on_the_time_of_asking_are_never_kept() {
    let c = live(ROOMY);
    let now = chrono::Utc::now();
    for filter in [CaseFilter { overdue_at: Some(now), ..Default::default() }, CaseFilter { near_at: Some(now), ..Default::default() }] {
        let k = page_key(CaseScope::All, filter);
        assert_eq!(c.page_ticket(&k), None);
        assert_eq!(c.page(&k), None);
    }
    assert_eq!(c.reading().page_misses, 0, "not a miss: never asked of the cache");
}

#[test]
fn the_cache_holds_no_more_than_its_limits() {
    let t = Uuid::now_v7();
    let c = live(Limits { cases: SHARDS * 2, pages: 3 });
    for _ in 0..SHARDS * 20 {
        c.keep_case(c.case_ticket().unwrap(), fence(CaseScope::All), read(t));
    }
    let r = c.reading();
    assert!(r.cases <= SHARDS * 2 && r.cases >= SHARDS, "{}", r.cases);
    for n in 0..10u64 {
        let k = PageKey { page: PageRequest { after: None, limit: n + 1 }, ..page_key(CaseScope::All, CaseFilter::default()) };
        c.keep_page(c.page_ticket(&k).unwrap(), k.clone(), page(vec![]));
        assert!(c.page(&k).is_some(), "the newest page is kept");
    }
    assert_eq!(c.reading().pages, 3);
}

#[test]
fn an_unreadable_notice_empties_the_cache() {
    let t = Uuid::now_v7();
    let c = live(ROOMY);
    let v = read(t);
    c.keep_case(c.case_ticket().unwrap(), fence(CaseScope::All), v.clone());
    let flushes = c.reading().flushes;
    c.apply("c-not-a-uuid");
    assert_eq!(c.case(&fence(CaseScope::All), v.case.id), None);
    assert_eq!(c.reading().flushes, flushes + 1);
}

#[tokio::test]
async fn a_sync_notice_wakes_its_own_request_only() {
    let c = live(ROOMY);
    let (tx, mut rx) = oneshot::channel();
    lock(&c.syncs.waiting).insert(7, tx);
    c.apply(&Notice::sync(Uuid::now_v7(), 7));
    assert!(rx.try_recv().is_err(), "another process's sync");
    c.apply(&Notice::sync(c.syncs.process, 7));
    assert_eq!(rx.await, Ok(()));
    assert!(lock(&c.syncs.waiting).is_empty());
}
