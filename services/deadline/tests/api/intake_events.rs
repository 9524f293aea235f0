//! Clocks driven by the single window's newer events: a supplement restarts the acceptance
//! clock, 容缺 commitments, special procedures, termination and rectifications.

use chrono::Utc;
use govhall_contracts::{
    events::{
        LimitUnit, TimeLimit,
        intake::{
            CaseAccepted, CaseCompleted, CaseRated, CaseResumed, CaseSupplementRequested,
            CaseSupplemented, CaseSuspended, CaseTerminated, Commitment, HandlingPlan, JoinRule,
            RectificationClosed,
        },
    },
    routing,
};
use uuid::Uuid;

use crate::{
    clocks::submit,
    helpers::{Backend, TestApp, at},
};

fn wd(value: u32) -> TimeLimit {
    TimeLimit {
        value,
        unit: LimitUnit::WorkingDays,
    }
}

fn plan() -> HandlingPlan {
    HandlingPlan {
        matter_version: 1,
        kind: Default::default(),
        stages: vec![],
        departments: vec![],
        join_rule: JoinRule::All,
        time_limit: wd(10),
        statutory_limit: None,
        warning_ladder: None,
    }
}

pub async fn a_supplement_restarts_the_acceptance_clock_and_an_unkept_commitment_expires(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let case_id = submit(&app, "2026-11-02T09:00:00+08:00").await;
    app.clocks_when(case_id, "the acceptance clock", |c| !c.is_empty())
        .await;
    app.publish(
        &CaseSupplementRequested {
            case_id,
            items: vec!["申请书未签字".into()],
            requested_at: at("2026-11-03T10:00:00+08:00"),
        },
        case_id,
        "intake",
    )
    .await;
    app.clocks_when(case_id, "the pause", |c| {
        c.iter().any(|c| c["state"] == "paused")
    })
    .await;
    // Supplemented on Thu 12 Nov: five fresh working days (13, 16–19 Nov), not the four left.
    app.publish(
        &CaseSupplemented {
            case_id,
            commitment: false,
            supplemented_at: at("2026-11-12T14:00:00+08:00"),
        },
        case_id,
        "intake",
    )
    .await;
    let clocks = app
        .clocks_when(case_id, "the restart", |c| {
            c.iter().filter(|c| c["kind"] == "acceptance").count() == 2
        })
        .await;
    let states: Vec<(&str, &str)> = clocks
        .iter()
        .map(|c| (c["state"].as_str().unwrap(), c["due_at"].as_str().unwrap()))
        .collect();
    assert!(
        states.contains(&("running", "2026-11-20T00:00:00+08:00")),
        "{states:?}"
    );
    assert!(states.iter().any(|(s, _)| *s == "stopped"), "{states:?}");

    // Accepted on Fri 13 Nov with a material missing against 5 working days (16–20 Nov).
    let accepted = CaseAccepted {
        case_id,
        case_number: "n".into(),
        accepted_at: at("2026-11-13T10:00:00+08:00"),
        plan: plan(),
        deemed: false,
        commitment: Some(Commitment {
            missing_materials: vec!["营业执照".into()],
            limit: wd(5),
        }),
        summary: None,
    };
    app.publish(&accepted, case_id, "intake").await;
    let clocks = app
        .clocks_when(case_id, "the commitment clock", |c| {
            c.iter().any(|c| c["kind"] == "commitment")
        })
        .await;
    let commitment = clocks.iter().find(|c| c["kind"] == "commitment").unwrap();
    assert_eq!(commitment["due_at"], "2026-11-21T00:00:00+08:00");
    app.clock
        .set(at("2026-11-21T00:00:01+08:00").with_timezone(&Utc));
    let expired = app
        .expect_events(routing::DEADLINE_CLOCK_EXPIRED, case_id, 1)
        .await;
    assert_eq!(expired[0].payload["kind"], "commitment");
}

pub async fn a_special_procedure_pauses_the_case_and_a_bad_rating_gets_its_own_clock(
    backend: Backend,
) {
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let case_id = submit(&app, "2026-11-02T09:00:00+08:00").await;
    let accepted = CaseAccepted {
        case_id,
        case_number: "n".into(),
        accepted_at: at("2026-11-02T10:00:00+08:00"),
        plan: plan(),
        deemed: false,
        commitment: None,
        summary: None,
    };
    app.publish(&accepted, case_id, "intake").await;
    app.clocks_when(case_id, "the processing clock", |c| {
        c.iter().any(|c| c["kind"] == "processing")
    })
    .await;
    let suspended = CaseSuspended {
        case_id,
        procedure: "expert_review".into(),
        legal_basis: "《中华人民共和国行政许可法》第四十五条".into(),
        suspended_at: at("2026-11-03T10:00:00+08:00"),
    };
    app.publish(&suspended, case_id, "intake").await;
    let clocks = app
        .clocks_when(case_id, "the suspension", |c| {
            c.iter()
                .any(|c| c["kind"] == "processing" && c["state"] == "paused")
        })
        .await;
    assert_eq!(
        clocks.iter().find(|c| c["kind"] == "processing").unwrap()["pause_reason"],
        "expert_review"
    );
    app.publish(
        &CaseResumed {
            case_id,
            resumed_at: at("2026-11-05T10:00:00+08:00"),
        },
        case_id,
        "intake",
    )
    .await;
    app.clocks_when(case_id, "the resumption", |c| {
        c.iter()
            .any(|c| c["kind"] == "processing" && c["state"] == "running")
    })
    .await;
    app.publish(
        &CaseCompleted {
            case_id,
            completed_at: at("2026-11-06T10:00:00+08:00"),
        },
        case_id,
        "intake",
    )
    .await;
    app.clocks_when(case_id, "completion", |c| {
        c.iter().all(|c| c["state"] == "stopped")
    })
    .await;

    // A bad rating after completion: the department's rectification clock runs regardless.
    let rating_id = Uuid::now_v7();
    let rated = CaseRated {
        case_id,
        rating_id,
        score: 1,
        matter_code: "M".into(),
        department_code: "320102-SCJGJ".into(),
        rectification_limit: Some(wd(15)),
        rated_at: at("2026-11-06T12:00:00+08:00"),
    };
    app.publish(&rated, case_id, "intake").await;
    app.clocks_when(case_id, "the rectification clock", |c| {
        c.iter()
            .any(|c| c["kind"] == "rectification" && c["state"] == "running")
    })
    .await;
    app.publish(
        &RectificationClosed {
            case_id,
            rating_id,
            closed_at: at("2026-11-10T10:00:00+08:00"),
        },
        case_id,
        "intake",
    )
    .await;
    app.clocks_when(case_id, "the rectification to stop", |c| {
        c.iter()
            .any(|c| c["kind"] == "rectification" && c["state"] == "stopped")
    })
    .await;

    // A terminated case stops its clocks.
    let other = submit(&app, "2026-11-02T09:00:00+08:00").await;
    app.clocks_when(other, "the acceptance clock", |c| !c.is_empty())
        .await;
    app.publish(
        &CaseTerminated {
            case_id: other,
            reason: "r".into(),
            terminated_at: at("2026-11-03T09:00:00+08:00"),
        },
        other,
        "intake",
    )
    .await;
    app.clocks_when(other, "the termination", |c| {
        c.iter().all(|c| c["state"] == "stopped")
    })
    .await;
}

pub async fn a_level_stage_counts_on_its_own_divisions_calendar_and_is_reported_overdue_alone(
    backend: Backend,
) {
    use govhall_contracts::events::joint::{StageReturned, StageSent};
    let app = TestApp::spawn(backend, "2026-11-02T09:00:00+08:00").await;
    let case_id = submit(&app, "2026-11-02T09:00:00+08:00").await;
    let mut long = plan();
    long.time_limit = wd(20);
    let accepted = CaseAccepted {
        case_id,
        case_number: "n".into(),
        accepted_at: at("2026-11-02T10:00:00+08:00"),
        plan: long,
        deemed: false,
        commitment: None,
        summary: None,
    };
    app.publish(&accepted, case_id, "intake").await;
    // The county sends the case up to the city, which has 3 working days (3–5 Nov).
    let transfer_id = Uuid::now_v7();
    let sent = StageSent {
        case_id,
        transfer_id,
        from_division: "320282".into(),
        to_division: "320200".into(),
        department_code: "320200-YJJ".into(),
        time_limit: wd(3),
        sent_at: at("2026-11-02T11:00:00+08:00"),
        handover: None,
    };
    app.publish(&sent, case_id, "joint").await;
    // The city's stage is the city's: a province supervisor sees the whole chain.
    let supervisor = app
        .key
        .sign(&govhall_web::Principal {
            sub: "sup".into(),
            kind: govhall_web::PrincipalKind::Staff,
            roles: vec![govhall_web::Role::Supervisor],
            division: Some("320000".into()),
            department: None,
        })
        .unwrap();
    let clocks = app
        .clocks_seen_by(&supervisor, case_id, "the stage clock", |c| {
            c.iter().any(|c| c["kind"] == "stage")
        })
        .await;
    let stage = clocks.iter().find(|c| c["kind"] == "stage").unwrap();
    assert_eq!(
        (
            stage["division_code"].as_str(),
            stage["department_code"].as_str()
        ),
        (Some("320200"), Some("320200-YJJ"))
    );
    assert_eq!(stage["due_at"], "2026-11-06T00:00:00+08:00");
    // The stage runs late while the case as a whole is on time: the stage alone is overdue.
    app.clock
        .set(at("2026-11-06T00:00:01+08:00").with_timezone(&Utc));
    let overdue = app
        .expect_events(routing::DEADLINE_CLOCK_OVERDUE, case_id, 1)
        .await;
    assert_eq!(
        (
            overdue[0].payload["kind"].as_str(),
            overdue[0].payload["department_code"].as_str()
        ),
        (Some("stage"), Some("320200-YJJ"))
    );
    app.publish(
        &StageReturned {
            case_id,
            transfer_id,
            sent_back: false,
            reason: None,
            returned_at: at("2026-11-09T10:00:00+08:00"),
        },
        case_id,
        "joint",
    )
    .await;
    let clocks = app
        .clocks_seen_by(&supervisor, case_id, "the stage to stop", |c| {
            c.iter()
                .any(|c| c["kind"] == "stage" && c["state"] == "stopped")
        })
        .await;
    assert_eq!(
        clocks.iter().find(|c| c["kind"] == "stage").unwrap()["overdue"],
        true
    );
    assert_eq!(
        clocks.iter().find(|c| c["kind"] == "processing").unwrap()["state"],
        "running"
    );
}
