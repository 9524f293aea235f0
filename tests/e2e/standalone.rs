//! The skeleton on the embedded defaults: `govhall standalone`.

use crate::{
    flow,
    helpers::{Api, Proc, Tokens, spawn, standalone_env, temp_dir},
};

async fn start() -> (Proc, Tokens, std::path::PathBuf) {
    let dir = temp_dir();
    let tokens = Tokens::new(&dir);
    let env = standalone_env(&dir, &tokens);
    let proc = spawn("standalone", &["standalone"], &env).await;
    (proc, tokens, dir)
}

#[actix_web::test]
async fn a_case_goes_through_every_service_in_standalone_mode() {
    let (proc, tokens, dir) = start().await;
    let api = Api::new(&proc.url);
    let id = flow::submit_and_accept(&api, &tokens, "citizen-1", flow::SINGLE).await;
    flow::review_and_complete(&api, &tokens, "citizen-1", &id, &["320102-SCJGJ"]).await;
    // SQLite files, one per service, under the data folder.
    for service in ["intake", "deadline", "approval", "joint"] {
        assert!(dir.join(format!("{service}.db")).exists(), "{service}.db");
    }
    let status = proc.terminate().await;
    assert!(
        status.success(),
        "SIGTERM drains and exits 0, got {status:?}"
    );
}

#[actix_web::test]
async fn a_parallel_review_concludes_when_every_department_agrees_in_standalone_mode() {
    let (proc, tokens, _dir) = start().await;
    let api = Api::new(&proc.url);
    let id = flow::submit_and_accept(&api, &tokens, "citizen-2", flow::PARALLEL).await;
    flow::review_and_complete(
        &api,
        &tokens,
        "citizen-2",
        &id,
        &["320102-GTJ", "320102-ZJJ", "320102-HBJ", "320102-RFB"],
    )
    .await;
}

#[actix_web::test]
async fn bad_input_wrong_principals_and_stale_versions_are_refused_in_standalone_mode() {
    let (proc, tokens, _dir) = start().await;
    flow::refusals(&Api::new(&proc.url), &tokens).await;
}

#[actix_web::test]
async fn the_calendar_answers_anonymous_queries_in_standalone_mode() {
    let (proc, _tokens, _dir) = start().await;
    flow::calendar_queries(&Api::new(&proc.url)).await;
}

#[actix_web::test]
async fn a_case_survives_a_restart_of_the_standalone_process() {
    let (proc, tokens, dir) = start().await;
    let api = Api::new(&proc.url);
    let id = flow::submit_and_accept(&api, &tokens, "citizen-3", flow::SINGLE).await;
    assert!(proc.terminate().await.success());
    let env = standalone_env(&dir, &tokens);
    let proc = spawn("standalone-again", &["standalone"], &env).await;
    let api = Api::new(&proc.url);
    flow::review_and_complete(&api, &tokens, "citizen-3", &id, &["320102-SCJGJ"]).await;
}

#[actix_web::test]
async fn a_case_goes_from_draft_to_rating_and_another_through_a_supplement_and_a_tolerated_acceptance_in_standalone_mode()
 {
    let (proc, tokens, _dir) = start().await;
    let api = Api::new(&proc.url);
    flow::draft_to_rating(&api, &tokens, "citizen-5").await;
    flow::supplement_and_tolerated_acceptance(&api, &tokens, "citizen-6").await;
}

#[actix_web::test]
async fn a_county_case_is_decided_by_the_city_after_a_send_back_and_delivered_at_the_county_in_standalone_mode()
 {
    let (proc, tokens, _dir) = start().await;
    flow::cross_level_with_send_back(&Api::new(&proc.url), &tokens, "company-1").await;
}

#[actix_web::test]
async fn a_case_taken_in_at_another_regions_window_is_decided_there_and_handed_over_here_in_standalone_mode()
 {
    let (proc, tokens, _dir) = start().await;
    flow::cross_region(&Api::new(&proc.url), &tokens).await;
}
