//! The joint-handling service on both backends (SQLite + in-process bus; PostgreSQL +
//! RabbitMQ + Redis), fed the other services' events and watched through what it publishes.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod divisions;
mod helpers;
mod transfers;

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
    on_both_backends!(transfers:
        a_county_case_goes_up_to_the_city_is_reviewed_there_in_parallel_and_its_result_comes_back,
        the_city_sends_a_transfer_back_and_the_county_resends_it_once,
        a_late_initial_review_makes_a_late_transfer_that_a_supervisor_sees,
        a_redelivered_conclusion_sends_once_and_two_clerks_signing_at_once_get_one_receipt,
        a_case_taken_in_at_another_regions_window_goes_straight_to_the_handling_division,
    );
    on_both_backends!(divisions:
        the_division_tree_is_seeded_changed_by_admins_and_retired_codes_still_resolve,
    );
}
