//! What the departments of a matter's plan read of the cases they review: a parallel
//! review's co-departments (并联审批) and a cross-level chain's upper stages (跨层级联办) see
//! the case, its checklist and its files like the implementing department; a department
//! outside the plan sees nothing — until the approval service opens a task for it (加签).

use std::time::Duration;

use govhall_contracts::{
    Envelope,
    envelope::Origin,
    events::{LimitUnit, TimeLimit, approval::TaskOpened},
};
use govhall_intake::store::case_reviewers;
use govhall_web::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, ID, TestApp, application, at};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// 建设工程规划许可证核发 of 玄武区: 320102-GTJ leads, ZJJ, HBJ and RFB review in parallel.
const PARALLEL: &str = "11320102MB1234567X4000117002";
/// 危险化学品经营许可证核发 of 宜兴: the county (320282) reviews first, the city (320200)
/// decides, its 应急管理局 leading and its 消防救援支队 reviewing alongside.
const CROSS_LEVEL: &str = "11320282MB1385902R3000126005";

async fn form_example(app: &TestApp, code: &str) -> Value {
    let (status, matter) = app.get(&format!("/api/v1/matters/{code}"), None).await;
    assert_eq!(status, 200, "{matter}");
    matter["form_schema"]["examples"][0].clone()
}

/// What `token` gets for the case, its checklist and one of its files (statuses, and the
/// case body).
async fn reads(app: &TestApp, id: &str, file: &str, token: &str) -> ([u16; 3], Value) {
    let (case, body) = app.get(&format!("/api/v1/cases/{id}"), Some(token)).await;
    let (checklist, _) = app.get(&format!("/api/v1/uploads/{id}"), Some(token)).await;
    let (download, bytes) = app
        .raw(
            awc::http::Method::GET,
            &format!("/api/v1/materials/{file}"),
            Some(token),
            None,
            &[],
        )
        .await;
    if download == 200 {
        assert_eq!(bytes.as_slice(), PDF);
    }
    ([case, checklist, download], body)
}

/// Submits `code` as a citizen with one file for M1, and has the window accept it.
async fn accepted_case(app: &TestApp, code: &str, clerk: &str) -> (String, String) {
    let citizen = app.citizen("citizen-p");
    let form = form_example(app, code).await;
    let (status, created) = app
        .post("/api/v1/cases", &citizen, &application(code, form))
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let (status, stored) = app
        .upload(&id, "M1", &citizen, "application/pdf", PDF)
        .await;
    assert_eq!(status, 201, "{stored}");
    let (status, accepted) = app
        .post(&format!("/api/v1/cases/{id}/acceptance"), clerk, &json!({}))
        .await;
    assert_eq!(status, 200, "{accepted}");
    (id, stored["id"].as_str().unwrap().to_owned())
}

pub async fn a_co_department_of_a_parallel_review_reads_the_case_its_checklist_and_files_in_full_and_a_department_outside_the_plan_reads_nothing(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let (id, file) = accepted_case(&app, PARALLEL, &app.clerk()).await;

    // A co-department's reviewer and leader read it all, the applicant in full: they judge it.
    for token in [
        app.departmental("zjj-1", Role::Reviewer, "320102", "320102-ZJJ"),
        app.departmental("rfb-9", Role::Leader, "320102", "320102-RFB"),
        app.departmental("gtj-1", Role::Reviewer, "320102", "320102-GTJ"),
    ] {
        let (statuses, case) = reads(&app, &id, &file, &token).await;
        assert_eq!(statuses, [200, 200, 200], "{case}");
        assert_eq!(case["applicant"]["revealed"]["id_number"], ID, "{case}");
        assert_eq!(case["applicant"]["revealed"]["name"], "张三");
        assert_eq!(
            case["form"]["contact_phone"], "13800138000",
            "handling staff see the form unmasked"
        );
    }
    // Reading is all: acting on the case stays with the window (the review is the approval
    // service's).
    let zjj = app.departmental("zjj-1", Role::Reviewer, "320102", "320102-ZJJ");
    let (status, problem) = app
        .post(
            &format!("/api/v1/cases/{id}/query-password"),
            &zjj,
            &json!({}),
        )
        .await;
    assert_eq!(status, 403, "{problem}");
    let (status, problem) = app.upload(&id, "M2", &zjj, "application/pdf", PDF).await;
    assert_eq!(status, 403, "{problem}");

    // A department of the division that is not in the plan, and a department code claimed
    // at another division, read nothing and learn nothing.
    for token in [
        app.departmental("scj-1", Role::Reviewer, "320102", "320102-SCJGJ"),
        app.departmental("zjj-x", Role::Reviewer, "320104", "320102-ZJJ"),
    ] {
        let (statuses, case) = reads(&app, &id, &file, &token).await;
        assert_eq!(statuses, [404, 404, 404], "{case}");
    }
    app.stop().await;
}

pub async fn every_stage_department_of_a_cross_level_chain_reads_the_case_it_reviews(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let clerk = app.staff("clerk-yx", &[Role::WindowClerk], "320282");
    let (id, file) = accepted_case(&app, CROSS_LEVEL, &clerk).await;

    // The county's own department (the implementing one), the city's lead department and
    // the city's co-department all read it in full.
    for token in [
        app.departmental("yx-1", Role::Reviewer, "320282", "320282-YJGLJ"),
        app.departmental("wx-1", Role::Reviewer, "320200", "320200-YJGLJ"),
        app.departmental("wx-9", Role::Leader, "320200", "320200-YJGLJ"),
        app.departmental("wx-xf", Role::Reviewer, "320200", "320200-XFJYZD"),
    ] {
        let (statuses, case) = reads(&app, &id, &file, &token).await;
        assert_eq!(statuses, [200, 200, 200], "{case}");
        assert_eq!(case["applicant"]["revealed"]["id_number"], ID, "{case}");
    }
    // The city's department that is not in the chain, the city's lead department code
    // claimed at the county, and a window clerk of the city's lead department (the plan
    // admits its reviewers and leaders only) do not.
    for token in [
        app.departmental("wx-hb", Role::Reviewer, "320200", "320200-STHJJ"),
        app.departmental("yx-x", Role::Reviewer, "320282", "320200-YJGLJ"),
        app.departmental("wx-ck", Role::WindowClerk, "320200", "320200-YJGLJ"),
    ] {
        let (statuses, case) = reads(&app, &id, &file, &token).await;
        assert_eq!(statuses, [404, 404, 404], "{case}");
    }
    app.stop().await;
}

/// `approval.task.opened` for `department` of the case, as the approval service publishes it
/// (the review's division on the envelope, and in the event unless `division` is `None`, as
/// from a producer before the field).
fn task_opened(case_id: &str, department: &str, division: Option<&str>) -> Envelope {
    let case_id: Uuid = case_id.parse().unwrap();
    let opened = TaskOpened {
        task_id: Uuid::now_v7(),
        review_id: Uuid::now_v7(),
        case_id,
        department_code: department.into(),
        division_code: division.map(Into::into),
        lead: false,
        time_limit: TimeLimit {
            value: 7,
            unit: LimitUnit::WorkingDays,
        },
        opened_at: at("2026-11-02T11:00:00+08:00"),
    };
    let origin = Origin {
        producer: "approval",
        correlation_id: case_id,
        causation_id: None,
        traceparent: None,
        division_code: "320102".into(),
    };
    Envelope::wrap(&opened, origin).unwrap()
}

async fn publish(app: &TestApp, envelope: &Envelope) {
    for result in app.bus.publish(std::slice::from_ref(envelope)).await {
        result.unwrap();
    }
}

/// What `token` reads, once it reads everything (intake consumes the bus in the background).
async fn reads_once_admitted(app: &TestApp, id: &str, file: &str, token: &str) -> Value {
    for _ in 0..200 {
        let (statuses, case) = reads(app, id, file, token).await;
        if statuses == [200, 200, 200] {
            return case;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the department was never admitted to case {id}");
}

pub async fn a_co_department_added_during_review_reads_the_case_once_its_task_is_opened_and_a_redelivery_changes_nothing(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let (id, file) = accepted_case(&app, PARALLEL, &app.clerk()).await;
    // 市场监管局 is not in the plan of 建设工程规划许可证核发.
    let scj = app.departmental("scj-1", Role::Reviewer, "320102", "320102-SCJGJ");
    let (statuses, case) = reads(&app, &id, &file, &scj).await;
    assert_eq!(statuses, [404, 404, 404], "{case}");

    // The lead adds it to the review (加签): the approval service opens its task.
    let opened = task_opened(&id, "320102-SCJGJ", Some("320102"));
    publish(&app, &opened).await;
    let case = reads_once_admitted(&app, &id, &file, &scj).await;
    assert_eq!(case["applicant"]["revealed"]["id_number"], ID, "{case}");
    assert_eq!(case["applicant"]["revealed"]["name"], "张三");
    assert_eq!(case["form"]["contact_phone"], "13800138000");
    let version = case["version"].clone();
    // Its leader too; its code claimed at another division, and another department outside
    // the plan, do not.
    let leader = app.departmental("scj-9", Role::Leader, "320102", "320102-SCJGJ");
    let (statuses, case) = reads(&app, &id, &file, &leader).await;
    assert_eq!(statuses, [200, 200, 200], "{case}");
    for token in [
        app.departmental("scj-x", Role::Reviewer, "320104", "320102-SCJGJ"),
        app.departmental("wjw-1", Role::Reviewer, "320102", "320102-WJW"),
    ] {
        let (statuses, case) = reads(&app, &id, &file, &token).await;
        assert_eq!(statuses, [404, 404, 404], "{case}");
    }
    // Reading is all here, as for the plan's departments.
    let (status, problem) = app.upload(&id, "M2", &scj, "application/pdf", PDF).await;
    assert_eq!(status, 403, "{problem}");

    // A task opened by a producer that does not name the division yet: the envelope's (the
    // review's) division stands in.
    let hb = app.departmental("hb-1", Role::Reviewer, "320102", "320102-STHJJ");
    let (statuses, _) = reads(&app, &id, &file, &hb).await;
    assert_eq!(statuses, [404, 404, 404]);
    publish(&app, &task_opened(&id, "320102-STHJJ", None)).await;
    reads_once_admitted(&app, &id, &file, &hb).await;

    // The same message delivered again, and the same task in a new message (a second review
    // of the same departments, later): both are consumed, and change nothing.
    publish(&app, &opened).await;
    let mut again = opened.clone();
    again.message_id = Uuid::now_v7();
    let mut payload: TaskOpened = again.decode().unwrap();
    payload.opened_at = at("2026-11-09T11:00:00+08:00");
    again.payload = serde_json::to_value(&payload).unwrap();
    publish(&app, &again).await;
    let db = govhall_runtime::connect_database(&app.database_url)
        .await
        .unwrap();
    let mut consumed = false;
    for _ in 0..200 {
        consumed = govhall_bus::inbox::contains(&db, "intake", again.message_id)
            .await
            .unwrap();
        if consumed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(consumed, "the second message was never consumed");
    let rows = case_reviewers::Entity::find()
        .filter(case_reviewers::Column::CaseId.eq(id.parse::<Uuid>().unwrap()))
        .order_by_asc(case_reviewers::Column::DepartmentCode)
        .all(&db)
        .await
        .unwrap();
    let rows: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.division_code.as_str(),
                r.department_code.as_str(),
                r.opened_at,
            )
        })
        .collect();
    let first = at("2026-11-02T11:00:00+08:00");
    assert_eq!(
        rows,
        [
            ("320102", "320102-SCJGJ", first),
            ("320102", "320102-STHJJ", first)
        ],
        "one row per department, the first task's"
    );
    let (statuses, case) = reads(&app, &id, &file, &scj).await;
    assert_eq!(statuses, [200, 200, 200], "{case}");
    assert_eq!(case["version"], version, "the case itself did not change");
    db.close().await.unwrap();
    app.stop().await;
}
