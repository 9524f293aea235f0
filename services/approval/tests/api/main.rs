//! The approval service on both backends (SQLite + in-process bus; PostgreSQL + RabbitMQ +
//! Redis), fed the other services' events through the real bus.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod helpers;
mod isolation;
mod reviews;

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
    on_both_backends!(reviews:
        each_join_rule_concludes_as_it_should,
        a_late_co_department_and_an_unreasoned_refusal_are_deemed_to_agree,
        a_withdrawal_cancels_the_open_tasks,
        a_case_decided_on_the_spot_leaves_no_review_open,
        two_reviewers_on_one_task_one_wins_and_a_redelivered_acceptance_opens_one_review,
        tasks_are_claimed_released_and_assigned_and_the_inbox_shows_the_time_left,
        a_co_department_is_added_and_another_removed_mid_review,
        the_lead_suspends_the_review_for_a_special_procedure_and_resumes_it,
        a_department_reviews_in_steps_and_a_later_step_sends_back,
        supplement_requests_of_two_departments_go_out_as_one_and_only_the_askers_review_again,
        a_level_of_a_chain_reviews_the_case_after_the_accepting_level,
        the_lead_returns_the_case_to_the_window_and_a_resubmission_opens_a_new_review,
    );

    on_both_backends!(isolation:
        staff_of_another_division_with_the_same_department_code_neither_see_nor_act,
        a_task_held_by_one_reviewer_is_not_sent_back_or_suspended_for_a_supplement_by_another,
    );
}
