//! Central sign-in, scopes and MSP against a running lab over real TLS. The grant steps
//! allow one call per second per endpoint, so tests pause where they call one twice.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::{CENTRAL_USER, CentralSim, GrantStep, Scope};
use crate::lab::{Lab, LabOptions, Sim};

struct T {
    _lab: Lab,
    http: reqwest::Client,
    base: String,
    sim: Arc<CentralSim>,
}

fn central_only() -> LabOptions {
    LabOptions {
        central: 1,
        central_aps: 10,
        ..LabOptions::none()
    }
}

async fn start(opts: LabOptions) -> T {
    crate::init_crypto();
    let lab = Lab::start(opts).await.expect("lab starts");
    let dev = lab.first("central").expect("a Central sim");
    let Sim::Central(sim) = &dev.sim else {
        panic!("not central")
    };
    let ca = reqwest::Certificate::from_pem(lab.pki.ca_pem.as_bytes()).expect("lab CA");
    let http = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(ca)
        .build()
        .expect("client");
    T {
        base: format!("https://{}", dev.addr),
        sim: sim.clone(),
        _lab: lab,
        http,
    }
}

/// Past the one-call-per-second rule of an endpoint.
async fn next_second() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

fn password() -> String {
    crate::lab::password("central")
}

impl T {
    async fn login(&self, client_id: &str, user: &str, pw: &str) -> reqwest::Response {
        self.http
            .post(format!(
                "{}/oauth2/authorize/central/api/login?client_id={client_id}",
                self.base
            ))
            .json(&json!({"username": user, "password": pw}))
            .send()
            .await
            .expect("request sent")
    }

    /// Step 1 that must succeed: `(csrftoken, session)`.
    async fn cookies(&self, client_id: &str) -> (String, String) {
        let r = self.login(client_id, CENTRAL_USER, &password()).await;
        assert_eq!(r.status(), 200);
        let mut csrf = None;
        let mut session = None;
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().expect("header text");
            let (kv, _) = v.split_once(';').expect("cookie shape");
            let (k, val) = kv.split_once('=').expect("cookie shape");
            match k {
                "csrftoken" => csrf = Some(val.to_string()),
                "session" => session = Some(val.to_string()),
                _ => {}
            }
        }
        (
            csrf.expect("csrftoken cookie"),
            session.expect("session cookie"),
        )
    }

    /// Step 2 or 3 (`path` after `/oauth2/authorize/central/api`), with a session.
    async fn authorize(
        &self,
        path: &str,
        query: &str,
        csrf: Option<&str>,
        session: &str,
        customer_id: &str,
    ) -> reqwest::Response {
        let mut r = self
            .http
            .post(format!(
                "{}/oauth2/authorize/central/api{path}?{query}",
                self.base
            ))
            .header("Cookie", format!("session={session}"))
            .json(&json!({"customer_id": customer_id}));
        if let Some(c) = csrf {
            r = r.header("X-CSRF-TOKEN", c);
        }
        r.send().await.expect("request sent")
    }

    async fn code(
        &self,
        client_id: &str,
        (csrf, session): &(String, String),
        scope: &str,
        customer_id: &str,
    ) -> String {
        let r = self
            .authorize(
                "",
                &format!("client_id={client_id}&response_type=code&scope={scope}"),
                Some(csrf),
                session,
                customer_id,
            )
            .await;
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.expect("JSON body");
        v["auth_code"].as_str().expect("a string").to_string()
    }

    async fn token(&self, query: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/oauth2/token?{query}", self.base))
            .send()
            .await
            .expect("request sent")
    }

    async fn exchange(&self, client_id: &str, secret: &str, code: &str) -> reqwest::Response {
        self.token(&format!(
            "client_id={client_id}&client_secret={secret}&grant_type=authorization_code&code={code}"
        ))
        .await
    }

    /// Steps 1, 3, 4 back to back (as pycentral does): the token pair.
    async fn sign_in(&self, client_id: &str, secret: &str, customer: &str, scope: &str) -> Value {
        let c = self.cookies(client_id).await;
        let code = self.code(client_id, &c, scope, customer).await;
        let r = self.exchange(client_id, secret, &code).await;
        assert_eq!(r.status(), 200);
        r.json().await.expect("JSON body")
    }

    /// An API call; the future owns its request, so closures can make several.
    fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        access: &str,
    ) -> std::pin::Pin<Box<dyn Future<Output = reqwest::Response> + Send>> {
        let req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(access);
        Box::pin(async move { req.send().await.expect("request sent") })
    }
}

#[tokio::test]
async fn sign_in_happy_path() {
    let t = start(central_only()).await;
    let s = &t.sim;
    let r = t.login(&s.client_id, CENTRAL_USER, &password()).await;
    assert_eq!(r.status(), 200);
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("header text").to_string())
        .collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(cookies[0].starts_with("csrftoken=") && cookies[0].ends_with("; Path=/; Secure"));
    assert!(cookies[1].starts_with("session=") && cookies[1].ends_with("; Secure; HttpOnly"));
    assert_eq!(
        r.json::<Value>().await.expect("JSON body"),
        json!({"status": true})
    );
    next_second().await;
    let pair = t
        .sign_in(&s.client_id, &s.client_secret, &s.customer_id, "all")
        .await;
    assert_eq!(pair["token_type"], "bearer");
    assert_eq!(pair["expires_in"], 7200);
    let access = pair["access_token"].as_str().expect("a string");
    assert_eq!(s.scope_of(access), Some(Scope::All));
    assert!(s.refresh_token_valid(pair["refresh_token"].as_str().expect("a string")));
    let r = t
        .call(reqwest::Method::GET, "/central/v2/sites", access)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        (s.login_attempts(), s.failed_logins(), s.signins()),
        (2, 0, 1)
    );
    let steps: Vec<(GrantStep, u16)> = s.grant_calls().iter().map(|c| (c.0, c.2)).collect();
    assert_eq!(
        steps,
        [
            (GrantStep::Login, 200),
            (GrantStep::Login, 200),
            (GrantStep::AuthCode, 200)
        ]
    );
}

#[tokio::test]
async fn wrong_password_rate_limit_and_bad_requests() {
    let t = start(central_only()).await;
    let s = &t.sim;
    let r = t.login(&s.client_id, CENTRAL_USER, "wrong").await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.expect("JSON body"),
        json!({"message": "Auth failure", "status": false})
    );
    // A second login within the second: 429, not counted as an attempt.
    let r = t.login(&s.client_id, CENTRAL_USER, &password()).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "1");
    assert_eq!(
        r.json::<Value>().await.expect("JSON body"),
        json!({"message": "API rate limit exceeded"})
    );
    assert_eq!((s.login_attempts(), s.failed_logins()), (1, 1));
    next_second().await;
    let r = t.login("lab-nobody", CENTRAL_USER, &password()).await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.expect("JSON body"),
        json!({"extra": {}, "message": "Invalid client_id"})
    );
    next_second().await;
    let r = t
        .http
        .post(format!(
            "{}/oauth2/authorize/central/api/login?client_id={}",
            t.base, s.client_id
        ))
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request sent");
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.expect("JSON body");
    assert_eq!(v["extra"], json!({}));
    // Other clients used the second: 429 whatever we do.
    s.grant_busy(1);
    next_second().await;
    let r = t.login(&s.client_id, CENTRAL_USER, &password()).await;
    assert_eq!(r.status(), 429);
    let statuses: Vec<u16> = s.grant_calls().iter().map(|c| c.2).collect();
    assert_eq!(statuses, [401, 429, 400, 400, 429]);
    // The password was changed: the old one fails.
    s.set_password(CENTRAL_USER, "changed");
    next_second().await;
    let r = t.login(&s.client_id, CENTRAL_USER, &password()).await;
    assert_eq!(r.status(), 401);
    assert_eq!(s.failed_logins(), 2);
}

#[tokio::test]
async fn auth_code_needs_session_csrf_and_valid_parameters() {
    let t = start(central_only()).await;
    let s = &t.sim;
    let (csrf, session) = t.cookies(&s.client_id).await;
    let q = format!("client_id={}&response_type=code&scope=all", s.client_id);
    let r = t.authorize("", &q, None, &session, &s.customer_id).await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.expect("JSON body"),
        json!({"message": "Auth failure", "status": false})
    );
    next_second().await;
    let r = t
        .authorize("/", &q, Some("not-the-csrf"), &session, &s.customer_id)
        .await;
    assert_eq!(r.status(), 401);
    next_second().await;
    let bad_scope = format!("client_id={}&response_type=code&scope=write", s.client_id);
    let r = t
        .authorize("/", &bad_scope, Some(&csrf), &session, &s.customer_id)
        .await;
    assert_eq!(r.status(), 400);
    next_second().await;
    let r = t
        .authorize("/", &q, Some(&csrf), &session, "someone-else")
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.expect("JSON body")["extra"],
        json!({})
    );
    // The trailing-slash form of the guide's example works.
    next_second().await;
    let r = t
        .authorize("/", &q, Some(&csrf), &session, &s.customer_id)
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn auth_code_is_single_use_and_dies() {
    let mut o = central_only();
    o.lifetimes.central_auth_code = Duration::from_millis(300);
    let t = start(o).await;
    let s = &t.sim;
    let c = t.cookies(&s.client_id).await;
    let code = t.code(&s.client_id, &c, "all", &s.customer_id).await;
    let r = t.exchange(&s.client_id, &s.client_secret, &code).await;
    assert_eq!(r.status(), 200);
    next_second().await;
    let r = t.exchange(&s.client_id, &s.client_secret, &code).await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.expect("JSON body")["error"],
        "invalid_grant"
    );
    // A fresh code, exchanged after its lifetime.
    let code = t.code(&s.client_id, &c, "all", &s.customer_id).await;
    next_second().await;
    let r = t.exchange(&s.client_id, &s.client_secret, &code).await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.expect("JSON body")["error"],
        "invalid_grant"
    );
    assert_eq!(s.signins(), 1);
}

#[tokio::test]
async fn read_token_may_only_get_and_refresh_keeps_the_scope() {
    let t = start(central_only()).await;
    let s = &t.sim;
    let pair = t
        .sign_in(&s.client_id, &s.client_secret, &s.customer_id, "read")
        .await;
    let access = pair["access_token"].as_str().expect("a string");
    assert_eq!(s.scope_of(access), Some(Scope::Read));
    let r = t
        .call(reqwest::Method::GET, "/central/v2/sites", access)
        .await;
    assert_eq!(r.status(), 200);
    for (m, path) in [
        (reqwest::Method::POST, "/central/v2/sites"),
        (reqwest::Method::DELETE, "/monitoring/v1/aps/CNF0000001"),
        (reqwest::Method::PUT, "/configuration/v1/anything"),
    ] {
        let r = t.call(m, path, access).await;
        assert_eq!(r.status(), 403);
        assert_eq!(
            r.json::<Value>().await.expect("JSON body"),
            json!({"error": "forbidden", "message": "read-only token: only GET is allowed"})
        );
    }
    assert_eq!(s.writes_refused(), 3);
    // Refused writes are not counted by the rate limit; a bad bearer is a 401 first.
    let r = t
        .call(reqwest::Method::GET, "/central/v2/sites", access)
        .await;
    assert_eq!(r.headers()["x-ratelimit-remaining-day"], "4998");
    let r = t
        .call(reqwest::Method::POST, "/central/v2/sites", "nope")
        .await;
    assert_eq!(r.status(), 401);
    // An `all` token may write (the lab has nothing to write: 405 past the checks).
    let r = t
        .call(
            reqwest::Method::POST,
            "/central/v2/sites",
            &s.seed_access_token,
        )
        .await;
    assert_eq!(r.status(), 405);
    next_second().await;
    let r = t
        .token(&format!(
            "client_id={}&client_secret={}&grant_type=refresh_token&refresh_token={}",
            s.client_id,
            s.client_secret,
            pair["refresh_token"].as_str().expect("a string")
        ))
        .await;
    assert_eq!(r.status(), 200);
    let new: Value = r.json().await.expect("JSON body");
    assert_eq!(
        s.scope_of(new["access_token"].as_str().expect("a string")),
        Some(Scope::Read)
    );
    assert_eq!(s.scope_of(&s.seed_access_token), Some(Scope::All));
}

#[tokio::test]
async fn revoked_tokens_are_refused() {
    let t = start(central_only()).await;
    let s = &t.sim;
    s.revoke_refresh_tokens();
    assert!(!s.refresh_token_valid(&s.seed_refresh_token));
    let r = t
        .call(
            reqwest::Method::GET,
            "/central/v2/sites",
            &s.seed_access_token,
        )
        .await;
    assert_eq!(
        r.status(),
        200,
        "access tokens outlive a refresh revocation"
    );
    s.revoke_tokens();
    let r = t
        .call(
            reqwest::Method::GET,
            "/central/v2/sites",
            &s.seed_access_token,
        )
        .await;
    assert_eq!(r.status(), 401);
    assert!(r.text().await.expect("body text").contains("invalid_token"));
}

fn msp(tenants: usize) -> LabOptions {
    LabOptions {
        central_msp_tenants: tenants,
        central_sites: 2,
        central_aps: 3,
        ..central_only()
    }
}

#[tokio::test]
async fn msp_customers_page_by_at_most_50() {
    let t = start(msp(60)).await;
    let s = &t.sim;
    assert_eq!(s.customer_name, "MSP");
    assert_eq!(s.tenants().len(), 60);
    let tok = s.seed_access_token.clone();
    let get = |q: &'static str| {
        t.call(
            reqwest::Method::GET,
            &format!("/msp_api/v1/customers?{q}"),
            &tok,
        )
    };
    let v: Value = get("offset=0&limit=50")
        .await
        .json()
        .await
        .expect("JSON body");
    assert_eq!(v["total"], 60);
    assert_eq!(v["customers"].as_array().expect("an array").len(), 50);
    assert_eq!(v["customers"][0]["customer_name"], "Tenant-01");
    assert_eq!(
        v["customers"][0]["customer_id"],
        s.tenants()[0].customer_id.as_str()
    );
    let v: Value = get("offset=50&limit=50")
        .await
        .json()
        .await
        .expect("JSON body");
    assert_eq!(v["customers"].as_array().expect("an array").len(), 10);
    let r = get("offset=0&limit=51").await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.expect("JSON body")["message"],
        "LIMIT_REQUEST_EXCEEDED"
    );
    // Every call counted in the MSP's window (the 400 too).
    assert_eq!(s.arrivals().len(), 3);
    // The guide's other way in: the MSP token and a TenantID header read a tenant's data
    // on the MSP's quota.
    let tenant = s.tenants()[0].clone();
    let with_tenant = |id: &str| {
        t.http
            .get(format!("{}/central/v2/sites", t.base))
            .bearer_auth(&s.seed_access_token)
            .header("TenantID", id)
            .send()
    };
    let r = with_tenant(&tenant.customer_id)
        .await
        .expect("request sent");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("JSON body");
    assert_eq!(v["sites"][0]["site_name"], "Austin-01");
    assert_eq!((s.arrivals().len(), tenant.arrivals().len()), (4, 0));
    let r = with_tenant("not-a-tenant").await.expect("request sent");
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn msp_client_credentials_then_tenant_sign_in() {
    let t = start(msp(2)).await;
    let m = &t.sim;
    let tenant = m.tenants()[1].clone();
    assert_eq!(tenant.customer_name, "Tenant-02");
    let c = t.cookies(&m.client_id).await;
    let q = format!("client_id={}", m.client_id);
    let r = t
        .authorize(
            "/client_credentials",
            &q,
            Some(&c.0),
            &c.1,
            &tenant.customer_id,
        )
        .await;
    assert_eq!(r.status(), 200);
    let cred: Value = r.json().await.expect("JSON body");
    let (id, secret) = (
        cred["client_id"].as_str().expect("a string"),
        cred["client_secret"].as_str().expect("a string"),
    );
    assert_eq!(m.client_credentials_issued(), 1);
    assert_eq!(tenant.client_ids(), [tenant.client_id.as_str(), id]);
    // The MSP session is bound to the MSP's client id: not valid for the tenant's.
    let tq = format!("client_id={id}&response_type=code&scope=all");
    let r = t
        .authorize("", &tq, Some(&c.0), &c.1, &tenant.customer_id)
        .await;
    assert_eq!(r.status(), 401);
    next_second().await;
    // The MSP user signs in to the tenant with the new client; the tenant counts it.
    let pair = t.sign_in(id, secret, &tenant.customer_id, "all").await;
    assert_eq!(tenant.signins(), 1);
    assert_eq!(m.signins(), 0);
    let access = pair["access_token"].as_str().expect("a string");
    let r = t
        .call(reqwest::Method::GET, "/central/v2/sites", access)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-ratelimit-remaining-day"], "4999");
    let v: Value = r.json().await.expect("JSON body");
    assert_eq!(
        v["sites"][0]["site_name"], "Dublin-01",
        "the tenant's own sites"
    );
    assert_eq!(tenant.arrivals().len(), 1);
    assert_eq!(m.arrivals().len(), 0, "a tenant call is not the MSP's");
    // The MSP's own window is untouched.
    let r = t
        .call(
            reqwest::Method::GET,
            "/central/v2/sites",
            &m.seed_access_token,
        )
        .await;
    assert_eq!(r.headers()["x-ratelimit-remaining-day"], "4999");
    assert_eq!(
        r.json::<Value>().await.expect("JSON body")["sites"][0]["site_name"],
        "Roseville-01"
    );
    // An unknown customer: 400.
    next_second().await;
    let r = t
        .authorize("/client_credentials", &q, Some(&c.0), &c.1, "not-a-tenant")
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(m.client_credentials_issued(), 1);
}

#[tokio::test]
async fn config_names_the_sign_in_user_and_the_msp_when_asked() {
    let mut o = msp(1);
    o.central = 2;
    o.central_signin_in_config = false;
    let lab = Lab::start(o).await.expect("lab starts");
    let ca = std::path::Path::new("/nonexistent/ca.pem");
    let plain: toml::Value = toml::from_str(&lab.config_toml(ca)).expect("TOML");
    assert!(plain["central"][0].get("username").is_none());
    let mut o = msp(1);
    o.central = 2;
    o.central_signin_in_config = true;
    let lab = Lab::start(o).await.expect("lab starts");
    let v: toml::Value = toml::from_str(&lab.config_toml(ca)).expect("TOML");
    let c = &v["central"];
    for i in 0..2 {
        assert_eq!(c[i]["username"].as_str(), Some(CENTRAL_USER));
        assert_eq!(c[i]["password"].as_str(), Some("lab-central-pass"));
        assert!(c[i].get("access_token").is_some() && c[i].get("refresh_token").is_some());
    }
    assert_eq!(c[0]["msp"].as_bool(), Some(true));
    assert!(c[1].get("msp").is_none(), "only lab-central-01 is the MSP");
}
