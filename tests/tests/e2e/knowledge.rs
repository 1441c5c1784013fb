//! The knowledge base (知识库): articles with versions and a second-person approval, Chinese
//! search across the lines a desk serves, public search, the gaps report, owners told about
//! expiry and reviews, and first-contact answers that record their article.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::case_kit::complaint;
use crate::helpers::TestApp;

fn article(title: &str, body: &str, public: bool) -> Value {
    json!({ "title": title, "body": body, "tags": ["供水"], "category": "供水", "public": public })
}

impl TestApp {
    /// Writes, submits and (as `approver`) publishes an article of `line`; returns its id.
    async fn publish(&self, writer: &str, approver: &str, line: &str, body: Value) -> String {
        let (status, a) = self.call(Method::POST, &format!("/api/v1/tenants/{line}/kb/articles"), writer, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{a}");
        let id = a["id"].as_str().unwrap().to_owned();
        let version = a["latest_version"].as_i64().unwrap();
        for (who, action) in [(writer, "submit"), (approver, "approve")] {
            let (status, res) = self.call(Method::POST, &format!("/api/v1/kb/articles/{id}/versions/{version}/{action}"), who, None).await;
            assert_eq!(status, StatusCode::OK, "{action}: {res}");
        }
        id
    }

    async fn search(&self, token: &str, q: &str) -> (StatusCode, Value) {
        let q: String = url_encode(q);
        self.get(&format!("/api/v1/kb/search?q={q}"), token).await
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

fn titles(res: &Value) -> Vec<String> {
    res["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect::<String>())
        .collect()
}

#[tokio::test]
async fn an_article_goes_live_only_after_a_second_person_approves_it() {
    let app = TestApp::spawn().await;
    let writer = app.staff("12319", "kb_writer", &["dispatcher"], None).await;
    let admin = app.token("admin_12319").await;
    let agent = app.token("agent").await;
    let (status, a) = app
        .call(
            Method::POST,
            "/api/v1/tenants/12319/kb/articles",
            &writer,
            Some(article("停水期间临时供水点", "东区停水期间，在社区广场设临时供水点。", false)),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let id = a["id"].as_str().unwrap().to_owned();
    assert_eq!((a["status"].as_str(), a["versions"][0]["state"].as_str()), (Some("draft"), Some("draft")));
    let step = |who: &str, v: i64, action: &str, body: Option<Value>| {
        let (app, who, id, action) = (&app, who.to_owned(), id.clone(), action.to_owned());
        async move { app.call(Method::POST, &format!("/api/v1/kb/articles/{id}/versions/{v}/{action}"), &who, body).await }
    };

    // A draft is not served; approving needs a submission first, and an administrator.
    assert!(titles(&app.search(&agent, "临时供水").await.1).is_empty());
    let (status, res) = step(&admin, 1, "approve", None).await;
    assert_eq!((status, res["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")));
    assert_eq!(step(&writer, 1, "submit", None).await.0, StatusCode::OK);
    let (status, _) = step(&writer, 1, "approve", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a dispatcher does not approve");
    let (status, live) = step(&admin, 1, "approve", None).await;
    assert_eq!(status, StatusCode::OK, "{live}");
    assert_eq!((live["status"].as_str(), live["published_version"].as_i64()), (Some("published"), Some(1)));
    let (_, found) = app.search(&agent, "哪里有临时供水").await;
    assert_eq!(titles(&found), ["停水期间临时供水点"], "{found}");
    let hit = &found["hits"][0];
    assert_eq!(hit["tenant_code"], "12319");
    assert!(hit["title"].as_array().unwrap().iter().any(|s| s["hit"] == true && s["text"].as_str().unwrap().contains("供水")), "{hit}");

    // A new version: the live content stays until it is approved; a rejection needs a reason;
    // an administrator never approves their own version.
    let (status, edited) = app
        .call(
            Method::POST,
            &format!("/api/v1/kb/articles/{id}/versions"),
            &writer,
            Some(article("停水期间临时供水点", "临时供水点改在东街口消防站旁。", false)),
        )
        .await;
    assert_eq!(
        (status, edited["latest_version"].as_i64(), edited["published_version"].as_i64()),
        (StatusCode::OK, Some(2), Some(1)),
        "{edited}"
    );
    assert!(edited["body"].as_str().unwrap().contains("社区广场"), "the published content stays: {edited}");
    assert_eq!(step(&writer, 2, "submit", None).await.0, StatusCode::OK);
    let (status, again) =
        app.call(Method::POST, &format!("/api/v1/kb/articles/{id}/versions"), &writer, Some(article("x", "y", false))).await;
    assert_eq!((status, again["code"].as_str()), (StatusCode::CONFLICT, Some("version_pending")));
    let (status, res) = step(&admin, 2, "reject", None).await;
    assert_eq!((status, res["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")), "{res}");
    let (status, rejected) = step(&admin, 2, "reject", Some(json!({"reason": "请写明开放时间"}))).await;
    assert_eq!((status, rejected["versions"][0]["state"].as_str()), (StatusCode::OK, Some("rejected")));
    let (status, v3) = app
        .call(
            Method::POST,
            &format!("/api/v1/kb/articles/{id}/versions"),
            &admin,
            Some(article("停水期间临时供水点", "临时供水点改在东街口消防站旁，8:00–20:00 开放。", false)),
        )
        .await;
    assert_eq!((status, v3["latest_version"].as_i64()), (StatusCode::OK, Some(3)));
    assert_eq!(step(&admin, 3, "submit", None).await.0, StatusCode::OK);
    let (status, res) = step(&admin, 3, "approve", None).await;
    assert_eq!((status, res["code"].as_str()), (StatusCode::FORBIDDEN, Some("own_version")));
    let other_admin = app.staff("12319", "second_admin", &["tenant_admin"], None).await;
    let (status, v3) = step(&other_admin, 3, "approve", None).await;
    assert_eq!(status, StatusCode::OK, "{v3}");
    let states: Vec<&str> = v3["versions"].as_array().unwrap().iter().map(|v| v["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["published", "rejected", "superseded"]);
    assert!(titles(&app.search(&agent, "社区广场").await.1).is_empty(), "the old wording is gone from search");
    assert_eq!(titles(&app.search(&agent, "消防站").await.1), ["停水期间临时供水点"]);

    // Archived: out of search; no more steps.
    let (status, _) = app.call(Method::POST, &format!("/api/v1/kb/articles/{id}/archive"), &writer, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "archiving is for administrators");
    let (status, archived) = app.call(Method::POST, &format!("/api/v1/kb/articles/{id}/archive"), &admin, None).await;
    assert_eq!((status, archived["status"].as_str()), (StatusCode::OK, Some("archived")));
    assert!(titles(&app.search(&agent, "消防站").await.1).is_empty());

    // Bad input: a clear field, never a 500.
    let (status, res) = app.call(Method::POST, "/api/v1/tenants/12319/kb/articles", &writer, Some(article(" ", "x", false))).await;
    assert_eq!((status, res["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("title")));
    let bad_dates = json!({"title": "t", "body": "b", "valid_from": "2026-12-01T00:00:00Z", "valid_until": "2026-11-01T00:00:00Z"});
    let (status, res) = app.call(Method::POST, "/api/v1/tenants/12319/kb/articles", &writer, Some(bad_dates)).await;
    assert_eq!((status, res["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("valid_until")));
    let (status, res) = step(&admin, 3, "publish", None).await;
    assert_eq!((status, res["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("action")), "{res}");
}

#[tokio::test]
async fn each_desk_searches_its_lines_citizens_the_public_articles_and_misses_become_gaps() {
    let app = TestApp::spawn().await;
    let writer = app.staff("12319", "kb_writer", &["dispatcher"], None).await;
    let admin = app.token("admin_12319").await;
    let agent = app.token("agent").await;
    let supervisor = app.token("city_supervisor").await;
    let handler = app.token("handler_12319").await;
    let other_line = app.staff("12315", "kb_dispatcher_12315", &["dispatcher"], None).await;
    let other_admin = app.token("admin_12315").await;
    let fund = app
        .publish(
            &writer,
            &admin,
            "12319",
            article("住房公积金提取条件", "购房、租房、退休时可以申请提取住房公积金，带身份证到柜台或在 app 上办理。", true),
        )
        .await;
    let internal = app.publish(&writer, &admin, "12319", article("占道经营处置口径", "内部口径：先劝导，再依法处置。", false)).await;
    let writer15 = app.staff("12315", "kb_writer_15", &["agent"], None).await;
    let food =
        app.publish(&writer15, &other_admin, "12315", article("过期食品投诉流程", "买到过期食品，保留小票，拨打 12315 投诉。", true)).await;

    // Chinese without spaces, another word order: the platform's agent sees every line.
    for (q, expected) in [("公积金怎么取", &fund), ("占道经营", &internal), ("买了过期食品", &food), ("12315 投诉", &food)]
    {
        let (status, res) = app.search(&agent, q).await;
        assert_eq!(status, StatusCode::OK, "{res}");
        assert_eq!(res["hits"][0]["article_id"].as_str(), Some(expected.as_str()), "{q}: {res}");
    }
    // A line's staff see their own line only; another line's article is "not found".
    assert_eq!(titles(&app.search(&handler, "占道经营").await.1), ["占道经营处置口径"]);
    assert!(titles(&app.search(&other_line, "占道经营").await.1).is_empty());
    let (status, _) = app.get(&format!("/api/v1/kb/articles/{internal}"), &other_line).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/api/v1/kb/search?q=abc&line=12319", &other_line).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, res) = app.get("/api/v1/kb/search?q=%E9%A3%9F%E5%93%81&line=12315", &agent).await;
    assert_eq!(titles(&res), ["过期食品投诉流程"], "{status} {res}");
    let (status, res) = app.get("/api/v1/kb/search?q=%20%20", &agent).await;
    assert_eq!((status, res["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("q")));
    let (status, _) = app.get("/api/v1/kb/search?q=a&limit=51", &agent).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Citizens: public articles only, without an account.
    let public = |q: &str| {
        let url = app.url(&format!("/api/v1/public/kb/search?q={}", url_encode(q)));
        async move { reqwest::get(url).await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(titles(&public("公积金提取").await), ["住房公积金提取条件"]);
    assert!(titles(&public("占道经营").await).is_empty(), "internal articles stay inside");
    let res = reqwest::get(app.url(&format!("/api/v1/public/kb/articles/{fund}"))).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = reqwest::get(app.url(&format!("/api/v1/public/kb/articles/{internal}"))).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Searches that found nothing: the platform's (agents, citizens) and 12319's.
    for _ in 0..2 {
        assert!(titles(&app.search(&agent, "火星移民签证").await.1).is_empty());
    }
    assert!(titles(&public("养犬登记").await).is_empty());
    assert!(titles(&app.search(&handler, "井盖丢失").await.1).is_empty());
    let (status, gaps) = app.get("/api/v1/tenants/12345/kb/gaps", &supervisor).await;
    assert_eq!(status, StatusCode::OK, "{gaps}");
    let rows: Vec<(&str, i64)> =
        gaps.as_array().unwrap().iter().map(|g| (g["query"].as_str().unwrap(), g["searches"].as_i64().unwrap())).collect();
    // Citizens not finding an internal article is a gap too.
    assert_eq!(rows, [("火星移民签证", 2), ("养犬登记", 1), ("占道经营", 1)]);
    let (status, gaps) = app.get("/api/v1/tenants/12319/kb/gaps", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(gaps[0]["query"], "井盖丢失");
    let (status, _) = app.get("/api/v1/tenants/12319/kb/gaps", &other_admin).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another line's report does not exist for 12315");
    let (status, _) = app.get("/api/v1/tenants/12319/kb/gaps", &handler).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Writers are the line's own desks and administrators.
    let (status, _) = app.call(Method::POST, "/api/v1/tenants/12319/kb/articles", &handler, Some(article("t", "b", false))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.call(Method::POST, "/api/v1/tenants/12319/kb/articles", &other_line, Some(article("t", "b", false))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn owners_hear_of_expiry_and_reviews_once_and_answers_record_their_article() {
    let app = TestApp::spawn().await;
    let body = json!({"username": "kb.owner", "display_name": "知识库维护", "email": "kb@12319.example.cn",
        "password": "a long test passphrase", "roles": ["dispatcher"]});
    let admin = app.token("admin_12319").await;
    let (status, res) = app.call(Method::POST, "/api/v1/tenants/12319/users", &admin, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{res}");
    let owner = app.token_with("kb.owner", "a long test passphrase").await;
    let agent = app.token("agent").await;
    let now = hotline_domain::Clock::now(&app.clock);
    let mut body = article("供水报修电话", "自来水漏水、停水可拨打供水热线报修。", true);
    body["review_at"] = json!(now + chrono::Duration::days(30));
    body["valid_until"] = json!(now + chrono::Duration::days(60));
    let id = app.publish(&owner, &admin, "12319", body).await;

    // An answer from the article: closed at first contact, the article recorded and counted.
    let case = app.intake(&agent, complaint("家里漏水找谁报修")).await["case_id"].as_str().unwrap().to_owned();
    let (status, res) = app
        .call(
            Method::POST,
            &format!("/api/v1/cases/{case}/answer"),
            &agent,
            Some(json!({"answer": "请拨打供水热线。", "article_id": "00000000-0000-0000-0000-000000000000"})),
        )
        .await;
    assert_eq!((status, res["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("article_id")), "{res}");
    let answered = app.ok_step(&agent, &case, "answer", json!({"answer": "请拨打供水热线。", "article_id": id})).await;
    assert_eq!(answered["closure"], "answered");
    let (_, a) = app.get(&format!("/api/v1/kb/articles/{id}"), &owner).await;
    assert_eq!(a["answer_count"], 1);
    let page = hotline_store::PageRequest { after: None, limit: 50 };
    let events = hotline_store::cases::events(&app.raw_db().await, uuid::Uuid::parse_str(&case).unwrap(), page).await.unwrap().items;
    let answer = events.iter().find(|e| e.action == "answer").unwrap();
    let payload: Value = serde_json::from_str(answer.payload.as_deref().unwrap()).unwrap();
    assert_eq!((payload["article"]["id"].as_str(), payload["article"]["version"].as_i64()), (Some(id.as_str()), Some(1)));
    let day = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let supervisor = app.token("city_supervisor").await;
    let (_, summary) = app
        .get(
            &format!("/api/v1/stats/summary?from={day}&to={day}&metrics=answered_directly,answered_from_knowledge,knowledge_answer_rate"),
            &supervisor,
        )
        .await;
    let figure = |m: &str| summary["current"]["figures"].as_array().unwrap().iter().find(|f| f["metric"] == m).map(|f| f["value"].clone());
    assert_eq!((figure("answered_from_knowledge"), figure("knowledge_answer_rate")), (Some(json!(1.0)), Some(json!(1.0))), "{summary}");
    assert_eq!(app.core.verify_counters(day, day).await.unwrap(), vec![]);

    // Nothing to tell yet. A version whose review date has come: the owner hears once; a
    // version already past its validity: they hear again, and it is no longer served.
    // (Dates are moved in the content, not on the clock: tokens are checked against real time.)
    assert_eq!(app.core.flag_articles().await.unwrap(), 0);
    let revise = |review: chrono::DateTime<chrono::Utc>, until: chrono::DateTime<chrono::Utc>, version: i64| {
        let (app, id, owner, admin) = (&app, id.clone(), owner.clone(), admin.clone());
        async move {
            let mut body = article("供水报修电话", "自来水漏水、停水可拨打供水热线报修。", true);
            body["review_at"] = json!(review);
            body["valid_until"] = json!(until);
            let (status, res) = app.call(Method::POST, &format!("/api/v1/kb/articles/{id}/versions"), &owner, Some(body)).await;
            assert_eq!(status, StatusCode::OK, "{res}");
            for (who, action) in [(&owner, "submit"), (&admin, "approve")] {
                let (status, res) =
                    app.call(Method::POST, &format!("/api/v1/kb/articles/{id}/versions/{version}/{action}"), who, None).await;
                assert_eq!(status, StatusCode::OK, "{res}");
            }
        }
    };
    revise(now - chrono::Duration::hours(1), now + chrono::Duration::days(60), 2).await;
    assert_eq!(app.core.flag_articles().await.unwrap(), 1);
    assert_eq!(app.core.flag_articles().await.unwrap(), 0, "told once");
    let mails = |app: &TestApp| {
        let db = app.raw_db_later();
        async move {
            hotline_store::outbox::all(&db.await)
                .await
                .unwrap()
                .into_iter()
                .filter(|m| m.recipient == "kb@12319.example.cn")
                .collect::<Vec<_>>()
        }
    };
    let sent = mails(&app).await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0].body.contains("复核"), "{}", sent[0].body);
    let (_, a) = app.get(&format!("/api/v1/kb/articles/{id}"), &owner).await;
    assert_eq!(a["flags"], json!(["review_due"]), "{a}");
    assert_eq!(titles(&app.search(&agent, "供水报修").await.1), ["供水报修电话"], "a due review does not stop serving");
    revise(now - chrono::Duration::hours(1), now - chrono::Duration::minutes(1), 3).await;
    assert_eq!(app.core.flag_articles().await.unwrap(), 1);
    let sent = mails(&app).await;
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().any(|m| m.body.contains("已过有效期")), "{sent:?}");
    let (_, a) = app.get(&format!("/api/v1/kb/articles/{id}"), &owner).await;
    assert_eq!(a["flags"], json!(["expired", "review_due"]), "{a}");
    assert!(titles(&app.search(&agent, "供水报修").await.1).is_empty(), "expired articles are not served");
    let late = app.intake(&agent, complaint("漏水")).await["case_id"].as_str().unwrap().to_owned();
    let (status, res) =
        app.call(Method::POST, &format!("/api/v1/cases/{late}/answer"), &agent, Some(json!({"answer": "x", "article_id": id}))).await;
    assert_eq!((status, res["reason"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_article")), "{res}");
}

#[tokio::test]
async fn the_desk_assistant_shows_rules_knowledge_and_duplicates_for_a_draft() {
    let app = TestApp::spawn().await;
    let writer = app.staff("12319", "kb_writer", &["dispatcher"], None).await;
    let admin = app.token("admin_12319").await;
    let agent = app.token("agent").await;
    let handler = app.token("handler_12319").await;
    let other_line = app.staff("12315", "kb_dispatcher_12315", &["dispatcher"], None).await;
    let lamps = app
        .publish(
            &writer,
            &admin,
            "12319",
            article("路灯不亮怎么报修", "路灯不亮或损坏，请说明路段和灯杆编号，城管部门两个工作日内修复。", true),
        )
        .await;
    let open = app.intake(&agent, complaint("东街口路灯坏了不亮")).await["case_id"].as_str().unwrap().to_owned();
    let supervisor = app.token("city_supervisor").await;

    let draft = complaint("东街口的路灯不亮了，晚上很黑");
    let (status, res) = app.call(Method::POST, "/api/v1/desk/assist", &agent, Some(draft.clone())).await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert_eq!(res["articles"][0]["article_id"].as_str(), Some(lamps.as_str()), "{res}");
    assert_eq!(res["duplicates"][0]["case_id"].as_str(), Some(open.as_str()), "{res}");
    assert!(res["routing"].is_object() && res["suggestion"]["model_version"] == 0, "{res}");
    let (_, cases) = app.get("/api/v1/cases?limit=50", &agent).await;
    assert_eq!(cases["items"].as_array().unwrap().len(), 1, "nothing saved");
    // The draft below finds nothing in 12315's articles either: still no gap is recorded.

    // Another line's dispatcher sees its own line's articles and cases only.
    let (status, res) = app.call(Method::POST, "/api/v1/desk/assist", &other_line, Some(draft.clone())).await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert_eq!((res["articles"].as_array().map(Vec::len), res["duplicates"].as_array().map(Vec::len)), (Some(0), Some(0)), "{res}");
    for line in ["12345", "12315"] {
        let (status, gaps) = app.get(&format!("/api/v1/tenants/{line}/kb/gaps"), &supervisor).await;
        assert_eq!((status, gaps), (StatusCode::OK, json!([])), "no gap recorded for {line}");
    }
    // Refused: a unit handler; an invalid draft names its field.
    let (status, _) = app.call(Method::POST, "/api/v1/desk/assist", &handler, Some(draft)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, res) = app.call(Method::POST, "/api/v1/desk/assist", &agent, Some(complaint(" "))).await;
    assert_eq!((status, res["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("description")), "{res}");
}
