//! A console session as a browser holds it: the cookies the sign-in set and the CSRF token the
//! page carries, sent the way htmx sends them. For the console's black-box tests; the real
//! browser walk is `tests/console/run.sh`.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::helpers::{DEMO_PASSWORD, TestApp};

pub struct Console<'a> {
    pub app: &'a TestApp,
    /// `name=value` pairs as a `Cookie` header.
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
    /// Redirects are for the test to see, not to follow.
    client: reqwest::Client,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    /// Where an htmx answer sends the browser.
    pub fn redirect(&self) -> Option<&str> {
        self.headers.get("hx-redirect").or_else(|| self.headers.get("location")).and_then(|v| v.to_str().ok())
    }
}

fn csrf_of(body: &str) -> Option<String> {
    let at = body.find("X-CSRF-Token&quot;:&quot;").map(|i| i + "X-CSRF-Token&quot;:&quot;".len())?;
    Some(body[at..].split("&quot;").next()?.to_owned())
}

impl<'a> Console<'a> {
    /// A visitor who has opened the sign-in page (and so holds a CSRF cookie).
    pub async fn visit(app: &'a TestApp) -> Console<'a> {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let mut c = Console { app, cookies: Vec::new(), csrf: String::new(), client };
        let page = c.get("/console/login").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        c.csrf = csrf_of(&page.body).expect("the page carries its CSRF token");
        c
    }

    /// A demo user signed in through the console's own form.
    pub async fn login(app: &'a TestApp, username: &str) -> Console<'a> {
        Console::login_with(app, username, DEMO_PASSWORD).await
    }

    /// Any user signed in through the console's own form.
    pub async fn login_with(app: &'a TestApp, username: &str, password: &str) -> Console<'a> {
        let mut c = Console::visit(app).await;
        let res = c.post("/console/login", &[("username", username), ("password", password), ("next", "/console")]).await;
        assert_eq!(res.status, StatusCode::OK, "sign-in of {username}: {}", res.body);
        assert_eq!(res.redirect(), Some("/console"));
        c
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep(&mut self, headers: &HeaderMap) {
        for set in headers.get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, attrs) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(k, _)| k != name);
            let removed = attrs.to_ascii_lowercase().contains("max-age=0");
            if !removed && !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
    }

    async fn answer(&mut self, res: reqwest::Response) -> Answer {
        let status = res.status();
        let headers = res.headers().clone();
        self.keep(&headers);
        Answer { status, headers, body: res.text().await.unwrap() }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let res = self.client.get(self.app.url(path)).header("cookie", self.cookie_header()).send().await.unwrap();
        self.answer(res).await
    }

    /// A form posted by htmx: `HX-Request`, the page's URL and the CSRF header.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let csrf = self.csrf.clone();
        self.post_with_csrf(path, form, Some(&csrf)).await
    }

    pub async fn post_with_csrf(&mut self, path: &str, form: &[(&str, &str)], csrf: Option<&str>) -> Answer {
        let mut req = self
            .client
            .post(self.app.url(path))
            .header("cookie", self.cookie_header())
            .header("hx-request", "true")
            .header("hx-current-url", self.app.url("/console"))
            .form(form);
        if let Some(t) = csrf {
            req = req.header("x-csrf-token", t);
        }
        let res = req.send().await.unwrap();
        self.answer(res).await
    }
}
