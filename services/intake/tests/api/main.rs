//! The intake service on both backends (SQLite + in-process bus; PostgreSQL + RabbitMQ +
//! Redis), with a clock the tests move and the other services' events fed through the bus.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod cases;
mod catalog;
mod helpers;
mod ratings;
mod reviewers;

/// Runs each listed scenario on both backends.
macro_rules! on_both_backends {
    ($module:ident: $($scenario:ident),* $(,)?) => {
        mod $module {
            mod embedded {
                $(#[actix_web::test] async fn $scenario() { crate::$module::$scenario(crate::helpers::Backend::Embedded).await; })*
            }
            mod distributed {
                $(#[actix_web::test] async fn $scenario() { crate::$module::$scenario(crate::helpers::Backend::Distributed).await; })*
            }
        }
    };
}

/// The scenarios, by area and backend: `scenarios::<area>::<backend>::<scenario>`.
mod scenarios {
    on_both_backends!(cases:
        a_draft_becomes_a_case_that_is_accepted_decided_delivered_and_followed_by_number,
        a_supplement_notice_restarts_acceptance_and_a_broken_commitment_terminates_the_case,
        an_unanswered_application_is_deemed_accepted_as_of_its_receipt,
        the_same_idempotency_key_gives_one_case_and_another_body_is_refused,
        citizens_and_clerks_see_and_change_only_what_is_theirs,
        every_faulty_field_is_listed_at_once_and_illegal_transitions_name_the_state,
        an_instant_matter_is_decided_on_the_spot_and_a_withdrawal_cancels,
        refusals_special_procedures_couriers_terminations_and_colours_each_take_their_path,
        a_cross_level_case_is_decided_by_the_result_the_deciding_level_returns,
        a_case_taken_in_at_another_regions_window_is_handled_there_and_seen_by_both,
    );

    on_both_backends!(ratings:
        an_ended_case_is_rated_once_and_a_bad_rating_opens_a_rectification,
        materials_are_checked_stored_listed_and_read_only_by_those_who_may,
    );

    on_both_backends!(reviewers:
        a_co_department_of_a_parallel_review_reads_the_case_its_checklist_and_files_in_full_and_a_department_outside_the_plan_reads_nothing,
        every_stage_department_of_a_cross_level_chain_reads_the_case_it_reviews,
        a_co_department_added_during_review_reads_the_case_once_its_task_is_opened_and_a_redelivery_changes_nothing,
    );

    on_both_backends!(catalog:
        a_new_version_is_drafted_edited_and_published_and_the_old_one_retired,
        an_administrator_manages_the_matters_of_his_division_and_below_only,
    );
}
