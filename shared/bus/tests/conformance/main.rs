//! One conformance suite for both buses: every contract test runs against the in-process bus
//! and against RabbitMQ (127.0.0.1:5672, or `GOVHALL_TEST_AMQP_URL`), each with its own
//! random prefix; database tests run on SQLite and PostgreSQL (`GOVHALL_TEST_POSTGRES_URL`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod contract;
mod helpers;
mod inbox;
mod outbox;
mod specific;
mod txn;

/// Runs each named `contract::` test once per bus.
macro_rules! for_each_bus {
    ($($test:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    crate::contract::$test(crate::helpers::Kind::Memory).await
                }
            )*
        }
        mod rabbitmq {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    crate::contract::$test(crate::helpers::Kind::Rabbit).await
                }
            )*
        }
    };
}

/// Runs each named `<module>::` test once per bus and database.
macro_rules! for_each_bus_and_database {
    ($module:ident: $($test:ident),* $(,)?) => {
        for_each_bus_and_database!(@one memory_sqlite, Memory, Sqlite, $module: $($test),*);
        for_each_bus_and_database!(@one memory_postgres, Memory, Postgres, $module: $($test),*);
        for_each_bus_and_database!(@one rabbitmq_sqlite, Rabbit, Sqlite, $module: $($test),*);
        for_each_bus_and_database!(@one rabbitmq_postgres, Rabbit, Postgres, $module: $($test),*);
    };
    (@one $name:ident, $kind:ident, $db:ident, $module:ident: $($test:ident),*) => {
        mod $name {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    crate::$module::$test(crate::helpers::Kind::$kind, crate::helpers::Db::$db).await
                }
            )*
        }
    };
}

for_each_bus! {
    a_published_message_is_delivered_intact,
    a_message_published_before_its_consumer_starts_waits_in_the_queue,
    a_failed_message_is_redelivered_until_the_handler_succeeds,
    a_message_is_dead_lettered_after_the_delivery_limit_without_blocking_the_next,
    an_unroutable_publish_is_an_error,
    dead_letters_can_be_listed_without_taking_them_and_requeued_to_their_service,
    a_message_is_held_not_dead_lettered_while_the_database_is_unavailable,
}

mod with_database {
    for_each_bus_and_database! { contract:
        a_message_is_acknowledged_only_after_the_handlers_transaction_commits,
        a_duplicate_delivery_has_one_effect,
    }
}

mod with_outbox {
    for_each_bus_and_database! { outbox:
        committed_messages_are_published_exactly_once_even_when_relays_are_aborted,
        messages_of_a_rolled_back_transaction_are_never_published,
    }
}
