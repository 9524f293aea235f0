//! The deadline service on both backends (SQLite + in-process bus; PostgreSQL + RabbitMQ +
//! Redis), with a clock the tests move.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod calendar;
mod clocks;
mod helpers;
mod intake_events;
mod supervision;

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
    on_both_backends!(clocks:
        a_submitted_case_starts_an_acceptance_clock_due_by_the_official_calendar,
        pause_and_resume_keep_the_working_days_left_and_are_recorded,
        a_clock_is_extended_once_and_only_by_a_leader,
        each_warning_step_fires_once_then_the_clock_turns_red,
        a_step_due_while_the_service_was_down_fires_once_at_start,
        stale_versions_wrong_states_and_other_divisions_are_refused,
        a_supplement_request_pauses_the_clocks_until_the_supplement_arrives,
        a_withdrawn_case_cancels_its_clocks_and_an_unanswered_one_expires,
        a_statutory_clock_runs_beside_the_committed_one_and_a_matter_sets_its_own_ladder,
        two_replicas_fire_each_step_once_and_share_the_messages,
        a_concluded_review_stops_only_its_own_task_clocks,
        a_department_that_answered_stops_its_task_clock_before_the_review_concludes,
    );

    on_both_backends!(intake_events:
        a_supplement_restarts_the_acceptance_clock_and_an_unkept_commitment_expires,
        a_special_procedure_pauses_the_case_and_a_bad_rating_gets_its_own_clock,
        a_level_stage_counts_on_its_own_divisions_calendar_and_is_reported_overdue_alone,
    );

    on_both_backends!(supervision:
        a_supervisor_sees_clocks_by_status_and_the_figures_of_a_period,
        supervision_reaches_the_divisions_below_by_code_shape_and_leaders_see_their_own_only,
    );

    on_both_backends!(calendar:
        a_calendar_change_moves_running_clocks_and_is_versioned,
        readiness_reports_a_missing_calendar_year_without_failing,
        a_calendar_change_cut_off_before_its_clocks_moved_is_finished_by_the_follower,
        administrators_change_the_calendars_of_their_division_and_below_and_the_national_one_only_nationally,
    );
}
