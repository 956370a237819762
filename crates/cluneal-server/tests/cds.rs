//! CDS Hooks 2.0: discovery, patient-view, order-select/sign and feedback,
//! with real JWTs signed by generated ES384 and RS384 keys, every rejection
//! the specification asks for, prefetch fetched from a real (local) FHIR
//! server when the EHR sends none, and feedback stored and audited.
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers outside `#[test]` functions: a broken fixture must fail the test"
)]

mod common;

use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use cluneal_engine::Engine;
use cluneal_kb::KnowledgeBase;
use cluneal_server::{CdsConfig, Issuer};
use cluneal_store::{Location, Store};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const ISS: &str = "https://ehr.example.org";
const BASE: &str = "https://cds.example.org";

fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE.get_or_init(|| Arc::new(Engine::new(KnowledgeBase::embedded().unwrap()))).clone()
}

fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * k)) & 63) as usize] as char);
        }
    }
    out
}

/// A signing key and the public JWK that verifies it.
struct Signer {
    alg: Algorithm,
    kid: String,
    key: EncodingKey,
    jwk: Value,
}

fn es384(kid: &str) -> Signer {
    let kp = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_FIXED_SIGNING).unwrap();
    let pkcs8 = kp.to_pkcs8v1().unwrap();
    let point = kp.public_key().as_ref().to_vec(); // 0x04 || x || y
    let jwk = json!({ "kty": "EC", "crv": "P-384", "kid": kid, "alg": "ES384", "use": "sig",
                      "x": b64url(&point[1..49]), "y": b64url(&point[49..97]) });
    Signer { alg: Algorithm::ES384, kid: kid.into(), key: EncodingKey::from_ec_der(pkcs8.as_ref()), jwk }
}

/// The RSAPrivateKey inside a PKCS#8 PrivateKeyInfo (SEQUENCE { version, algorithm, OCTET STRING }).
fn pkcs1_of_pkcs8(der: &[u8]) -> Vec<u8> {
    fn header(d: &[u8], at: usize) -> (usize, usize) {
        let first = d[at + 1] as usize;
        if first < 0x80 {
            return (at + 2, first);
        }
        let n = first & 0x7f;
        let len = d[at + 2..at + 2 + n].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
        (at + 2 + n, len)
    }
    let (body, _) = header(der, 0);
    let (v, vlen) = header(der, body); // version INTEGER
    let (a, alen) = header(der, v + vlen); // AlgorithmIdentifier
    let (o, olen) = header(der, a + alen); // OCTET STRING
    der[o..o + olen].to_vec()
}

fn rs384(kid: &str) -> Signer {
    let kp = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let pkcs8 = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&kp).unwrap();
    let public = kp.public_key();
    let jwk = json!({ "kty": "RSA", "kid": kid, "alg": "RS384", "use": "sig",
                      "n": b64url(public.modulus().big_endian_without_leading_zero()),
                      "e": b64url(public.exponent().big_endian_without_leading_zero()) });
    Signer {
        alg: Algorithm::RS384,
        kid: kid.into(),
        key: EncodingKey::from_rsa_der(&pkcs1_of_pkcs8(pkcs8.as_ref())),
        jwk,
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

static JTI: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn claims(path: &str) -> Value {
    let n = JTI.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    json!({ "iss": ISS, "aud": format!("{BASE}{path}"), "exp": now() + 300, "iat": now(), "jti": format!("jti-{}-{n}", std::process::id()) })
}

fn sign(s: &Signer, claims: &Value) -> String {
    let mut h = Header::new(s.alg);
    h.kid = Some(s.kid.clone());
    jsonwebtoken::encode(&h, claims, &s.key).unwrap()
}

struct Fixture {
    app: Router,
    store: Arc<Store>,
    es: Signer,
    rs: Signer,
}

async fn fixture(name: &str) -> Fixture {
    let es = es384("ehr-es");
    let rs = rs384("ehr-rs");
    let issuers =
        json!({ "issuers": [{ "iss": ISS, "jwks": { "keys": [es.jwk.clone(), rs.jwk.clone()] } }] });
    let issuers: Vec<Issuer> = CdsConfig::parse_issuers(&issuers.to_string()).unwrap();
    let dir = std::env::temp_dir().join(format!("cluneal-cds-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = Arc::new(Store::open(&Location::Sqlite(dir.join("cluneal.db"))).await.unwrap());
    let config = cluneal_server::Config {
        cds: CdsConfig { issuers, insecure_loopback: false, public_url: Some(BASE.into()) },
        ..cluneal_server::Config::new("127.0.0.1:0".parse().unwrap())
    };
    Fixture { app: cluneal_server::router(engine(), store.clone(), &config), store, es, rs }
}

async fn call(
    app: &Router,
    method: &str,
    path: &str,
    jwt: Option<&str>,
    body: Option<&Value>,
) -> (u16, header::HeaderMap, Value) {
    let bearer = jwt.map(|t| format!("Bearer {t}"));
    common::oneshot(app, method, path, bearer.as_deref(), body.map(|b| ("application/json", b.to_string())))
        .await
}

#[tokio::test]
async fn discovery_lists_the_services_to_a_verified_caller() {
    let f = fixture("discovery").await;
    let (status, _, body) = call(&f.app, "GET", "/cds-services", None, None).await;
    assert_eq!(status, 401, "{body}");
    for signer in [&f.es, &f.rs] {
        let jwt = sign(signer, &claims("/cds-services"));
        let (status, headers, body) = call(&f.app, "GET", "/cds-services", Some(&jwt), None).await;
        assert_eq!(status, 200, "{:?}: {body}", signer.alg);
        assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        let hooks: Vec<&str> =
            body["services"].as_array().unwrap().iter().map(|s| s["hook"].as_str().unwrap()).collect();
        assert_eq!(hooks, ["patient-view", "order-select", "order-sign"]);
        for s in body["services"].as_array().unwrap() {
            assert!(s["id"].is_string() && s["description"].is_string());
            assert_eq!(s["prefetch"]["patient"], "Patient/{{context.patientId}}");
        }
    }
}

#[tokio::test]
async fn every_bad_token_is_refused_with_the_reason() {
    let f = fixture("reject").await;
    let path = "/cds-services";
    let mut expired = claims(path);
    expired["exp"] = json!(now() - 3600);
    let mut wrong_aud = claims(path);
    wrong_aud["aud"] = json!("https://elsewhere.example/cds-services");
    let mut wrong_iss = claims(path);
    wrong_iss["iss"] = json!("https://evil.example");
    let stranger = es384("stranger");
    let hmac = {
        let mut h = Header::new(Algorithm::HS384);
        h.kid = Some("ehr-es".into());
        jsonwebtoken::encode(&h, &claims(path), &EncodingKey::from_secret(b"a shared secret")).unwrap()
    };
    let none = format!(
        "{}.{}.",
        b64url(br#"{"alg":"none","typ":"JWT"}"#),
        b64url(claims(path).to_string().as_bytes())
    );
    let no_jti = {
        let mut c = claims(path);
        c.as_object_mut().unwrap().remove("jti");
        sign(&f.es, &c)
    };
    let cases = [
        ("expired", sign(&f.es, &expired), "expired"),
        ("wrong aud", sign(&f.es, &wrong_aud), "aud"),
        ("wrong iss", sign(&f.es, &wrong_iss), "iss"),
        ("unknown issuer key", sign(&stranger, &claims(path)), "unknown"),
        ("HMAC", hmac, "ES384 or RS384"),
        ("none", none, "header"),
        ("no jti", no_jti, "jti"),
    ];
    for (what, jwt, says) in cases {
        let (status, headers, body) = call(&f.app, "GET", path, Some(&jwt), None).await;
        assert_eq!(status, 401, "{what}: {body}");
        assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
        assert!(body["detail"].as_str().unwrap().contains(says), "{what}: {body}");
    }
    // A token is good once.
    let jwt = sign(&f.es, &claims(path));
    assert_eq!(call(&f.app, "GET", path, Some(&jwt), None).await.0, 200);
    let (status, _, body) = call(&f.app, "GET", path, Some(&jwt), None).await;
    assert_eq!(status, 401);
    assert!(body["detail"].as_str().unwrap().contains("already used"), "{body}");
}

/// The Synthea patient with chronic low back pain since 2020, as prefetch.
fn synthea_prefetch(patient: &str) -> Value {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../cluneal-fhir/tests/data/synthea-lbp");
    let mut by_type: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    let mut pat = Value::Null;
    for f in ["Patient", "Condition", "MedicationRequest", "Procedure"] {
        let text = std::fs::read_to_string(dir.join(format!("{f}.000.ndjson"))).unwrap();
        for line in text.lines() {
            let r: Value = serde_json::from_str(line).unwrap();
            if f == "Patient" {
                if r["id"] == patient {
                    pat = r;
                }
            } else if r["subject"]["reference"] == format!("Patient/{patient}")
                || r["patient"]["reference"] == format!("Patient/{patient}")
            {
                by_type.entry(f.to_string()).or_default().push(json!({ "resource": r }));
            }
        }
    }
    let bundle = |t: &str| json!({ "resourceType": "Bundle", "type": "searchset", "entry": by_type.get(t).cloned().unwrap_or_default() });
    json!({ "patient": pat, "conditions": bundle("Condition"), "medications": bundle("MedicationRequest"),
            "procedures": bundle("Procedure"), "observations": null })
}

const PATIENT: &str = "fb7c882a-f897-e7c5-67e0-825e7fd55d15";

fn hook_request(hook: &str, prefetch: Option<Value>, extra: Value) -> Value {
    let mut r = json!({ "hook": hook, "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
                        "context": { "userId": "Practitioner/p1", "patientId": PATIENT } });
    if let Some(p) = prefetch {
        r["prefetch"] = p;
    }
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

#[tokio::test]
async fn patient_view_suggests_the_crest_examination_for_unexplained_chronic_pain() {
    let f = fixture("patient-view").await;
    let path = "/cds-services/cluneal-patient-view";
    let req = hook_request("patient-view", Some(synthea_prefetch(PATIENT)), json!({}));
    let (status, _, body) = call(&f.app, "POST", path, Some(&sign(&f.es, &claims(path))), Some(&req)).await;
    assert_eq!(status, 200, "{body}");
    let cards = body["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 1, "{body}");
    let card = &cards[0];
    assert_eq!(card["indicator"], "info");
    assert!(card["summary"].as_str().unwrap().chars().count() < 140);
    assert!(card["detail"].as_str().unwrap().contains("iliac crest"));
    assert!(card["source"]["label"].as_str().unwrap().starts_with("Cluneal"));
    let link = card["links"][0]["url"].as_str().unwrap();
    assert!(link.starts_with(&format!("{BASE}/#/clinician/case=")), "{link}");
    assert_eq!(card["links"][0]["type"], "absolute");
    // The same patient gives the same card uuid (feedback refers to it).
    let (_, _, again) = call(&f.app, "POST", path, Some(&sign(&f.es, &claims(path))), Some(&req)).await;
    assert_eq!(again["cards"][0]["uuid"], card["uuid"]);

    // Nothing relevant: no card.
    let mut quiet = synthea_prefetch(PATIENT);
    quiet["conditions"]["entry"] = json!([]);
    let req = hook_request("patient-view", Some(quiet), json!({}));
    let (status, _, body) = call(&f.app, "POST", path, Some(&sign(&f.es, &claims(path))), Some(&req)).await;
    assert_eq!((status, body["cards"].as_array().unwrap().len()), (200, 0), "{body}");

    // A red flag in the record: a critical card.
    let mut flagged = synthea_prefetch(PATIENT);
    flagged["conditions"]["entry"].as_array_mut().unwrap().push(json!({ "resource": {
        "resourceType": "Condition", "id": "aaa", "subject": { "reference": format!("Patient/{PATIENT}") },
        "clinicalStatus": { "coding": [{ "code": "active" }] },
        "code": { "coding": [{ "system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "I71.40" }] } } }));
    let req = hook_request("patient-view", Some(flagged), json!({}));
    let (_, _, body) = call(&f.app, "POST", path, Some(&sign(&f.es, &claims(path))), Some(&req)).await;
    let indicators: Vec<&str> =
        body["cards"].as_array().unwrap().iter().map(|c| c["indicator"].as_str().unwrap()).collect();
    assert!(indicators.contains(&"critical"), "{body}");
}

#[tokio::test]
async fn missing_prefetch_is_fetched_from_the_fhir_server_or_refused_with_412() {
    let f = fixture("fetch").await;
    let path = "/cds-services/cluneal-patient-view";
    let req = hook_request("patient-view", None, json!({}));
    let (status, _, body) = call(&f.app, "POST", path, Some(&sign(&f.es, &claims(path))), Some(&req)).await;
    assert_eq!(status, 412, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("fhirServer"), "{body}");

    // A real FHIR server on loopback that insists on the access token.
    let pre = synthea_prefetch(PATIENT);
    let fhir = Router::new().fallback(move |req: Request<Body>| {
        let pre = pre.clone();
        async move {
            let authorized =
                req.headers().get(header::AUTHORIZATION).is_some_and(|v| v == "Bearer secret-token");
            if !authorized {
                return (axum::http::StatusCode::UNAUTHORIZED, String::new());
            }
            let path = req.uri().path().to_string();
            let body = if path.starts_with("/Patient/") {
                pre["patient"].clone()
            } else if path == "/Condition" {
                pre["conditions"].clone()
            } else if path == "/MedicationRequest" {
                pre["medications"].clone()
            } else if path == "/Procedure" {
                pre["procedures"].clone()
            } else {
                json!({ "resourceType": "Bundle", "type": "searchset", "entry": [] })
            };
            (axum::http::StatusCode::OK, body.to_string())
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, fhir).await.unwrap() });
    let server = json!({ "fhirServer": format!("http://{addr}"),
                         "fhirAuthorization": { "access_token": "secret-token", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read", "subject": "cluneal" } });
    let req = hook_request("patient-view", None, server.clone());
    let (status, _, body) = call(&f.app, "POST", path, Some(&sign(&f.es, &claims(path))), Some(&req)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["cards"].as_array().unwrap().len(), 1, "{body}");
    // A wrong token at the FHIR server: 412 naming the fetch.
    let mut bad = server;
    bad["fhirAuthorization"]["access_token"] = json!("wrong");
    let req = hook_request("patient-view", None, bad);
    let (status, _, body) = call(&f.app, "POST", path, Some(&sign(&f.es, &claims(path))), Some(&req)).await;
    assert_eq!(status, 412, "{body}");
}

fn draft_orders(code: &str) -> Value {
    json!({ "draftOrders": { "resourceType": "Bundle", "type": "collection", "entry": [{ "resource": {
        "resourceType": "ServiceRequest", "id": "sr1", "status": "draft", "intent": "order",
        "subject": { "reference": format!("Patient/{PATIENT}") },
        "code": { "coding": [{ "system": "http://www.ama-assn.org/go/cpt", "code": code, "display": "MRI lumbar spine" }] } } }] } })
}

#[tokio::test]
async fn ordering_a_lumbar_mri_for_unexplained_pain_suggests_the_examination_first_and_feedback_is_kept() {
    let f = fixture("order").await;
    for service in ["cluneal-order-select", "cluneal-order-sign"] {
        let hook = if service.ends_with("select") { "order-select" } else { "order-sign" };
        let path = format!("/cds-services/{service}");
        let mut req = hook_request(hook, Some(synthea_prefetch(PATIENT)), json!({}));
        req["context"]["draftOrders"] = draft_orders("72148")["draftOrders"].clone();
        let (status, _, body) =
            call(&f.app, "POST", &path, Some(&sign(&f.rs, &claims(&path))), Some(&req)).await;
        assert_eq!(status, 200, "{body}");
        let cards = body["cards"].as_array().unwrap();
        assert_eq!(cards.len(), 1, "{service}: {body}");
        assert_eq!(cards[0]["indicator"], "warning");
        assert!(!cards[0]["overrideReasons"].as_array().unwrap().is_empty());
        assert_eq!(cards[0]["selectionBehavior"], "at-most-one");
        assert_eq!(cards[0]["suggestions"][0]["actions"][0]["resource"]["resourceType"], "ServiceRequest");
        // An unrelated order: no card.
        req["context"]["draftOrders"] = draft_orders("99213")["draftOrders"].clone();
        let (_, _, body) = call(&f.app, "POST", &path, Some(&sign(&f.rs, &claims(&path))), Some(&req)).await;
        assert!(body["cards"].as_array().unwrap().is_empty(), "{body}");
    }

    // Feedback: stored and audited.
    let path = "/cds-services/cluneal-order-select";
    let mut req = hook_request("order-select", Some(synthea_prefetch(PATIENT)), json!({}));
    req["context"]["draftOrders"] = draft_orders("72148")["draftOrders"].clone();
    let (_, _, body) = call(&f.app, "POST", path, Some(&sign(&f.es, &claims(path))), Some(&req)).await;
    let uuid = body["cards"][0]["uuid"].as_str().unwrap().to_string();
    let fb_path = format!("{path}/feedback");
    let feedback = json!({ "feedback": [{ "card": uuid, "outcome": "overridden",
        "overrideReason": { "reason": { "code": "red_flags_present", "system": "https://cluneal.org/fhir/CodeSystem/override-reason" }, "userComment": "foot drop" },
        "outcomeTimestamp": "2026-11-30T10:00:00Z" }] });
    let (status, _, body) =
        call(&f.app, "POST", &fb_path, Some(&sign(&f.es, &claims(&fb_path))), Some(&feedback)).await;
    assert_eq!(status, 200, "{body}");
    let kept = f.store.card_feedback(&uuid).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].outcome, "overridden");
    assert_eq!(kept[0].override_reason.as_deref(), Some("red_flags_present"));
    assert_eq!(kept[0].user_comment.as_deref(), Some("foot drop"));
    let audit = f.store.audit(10).await.unwrap();
    assert!(
        audit.iter().any(|a| a.action == "cds_feedback" && a.actor == ISS && a.detail.contains(&uuid)),
        "{audit:?}"
    );
    let bad = json!({ "feedback": [{ "card": uuid, "outcome": "ignored", "outcomeTimestamp": "2026-11-30T10:00:00Z" }] });
    let (status, _, body) =
        call(&f.app, "POST", &fb_path, Some(&sign(&f.es, &claims(&fb_path))), Some(&bad)).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("feedback[0].outcome"), "{body}");
}

#[tokio::test]
async fn cors_preflight_needs_no_token_and_unknown_services_are_404() {
    let f = fixture("cors").await;
    let (status, headers, _) =
        call(&f.app, "OPTIONS", "/cds-services/cluneal-patient-view", None, None).await;
    assert_eq!(status, 204);
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert!(headers[header::ACCESS_CONTROL_ALLOW_HEADERS].to_str().unwrap().contains("Authorization"));
    let path = "/cds-services/nope";
    let (status, _, _) =
        call(&f.app, "POST", path, Some(&sign(&f.es, &claims(path))), Some(&json!({}))).await;
    assert_eq!(status, 404);
    // The wrong hook for the service: 422, not a card.
    let path = "/cds-services/cluneal-patient-view";
    let req = hook_request("order-select", Some(synthea_prefetch(PATIENT)), json!({}));
    let (status, _, body) = call(&f.app, "POST", path, Some(&sign(&f.es, &claims(path))), Some(&req)).await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_a_broken_one_400() {
    let f = fixture("limits").await;
    let path = "/cds-services/cluneal-patient-view";
    // 9 MiB of JSON, over the 8 MiB limit for records.
    let big = json!({ "hook": "patient-view", "padding": "x".repeat(9 * 1024 * 1024) });
    let (status, headers, body) =
        call(&f.app, "POST", path, Some(&sign(&f.es, &claims(path))), Some(&big)).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    assert!(body["type"].as_str().unwrap().ends_with("/too-large"), "{body}");
    // A broken body (not JSON) stays 400.
    let bearer = format!("Bearer {}", sign(&f.es, &claims(path)));
    let (status, _, _) = common::oneshot(
        &f.app,
        "POST",
        path,
        Some(&bearer),
        Some(("application/json", "{\"hook\": ".into())),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn insecure_loopback_mode_takes_calls_without_a_token_and_never_listens_beyond_loopback() {
    let dir = std::env::temp_dir().join(format!("cluneal-cds-{}-insecure", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = Arc::new(Store::open(&Location::Sqlite(dir.join("cluneal.db"))).await.unwrap());
    let config = cluneal_server::Config {
        cds: CdsConfig { issuers: Vec::new(), insecure_loopback: true, public_url: None },
        ..cluneal_server::Config::new("127.0.0.1:0".parse().unwrap())
    };
    let app = cluneal_server::router(engine(), store.clone(), &config);
    assert_eq!(call(&app, "GET", "/cds-services", None, None).await.0, 200);
    store.create_token("ops").await.unwrap();
    let remote = cluneal_server::Config { addr: "0.0.0.0:0".parse().unwrap(), ..config };
    let err = cluneal_server::serve(remote, engine(), store, |_| {}, async {}).await.unwrap_err();
    assert!(err.to_string().contains("--cds-insecure-loopback"), "{err}");
}
