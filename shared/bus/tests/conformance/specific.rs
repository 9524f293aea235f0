//! Behaviour that only one of the two buses has.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use govhall_bus::{Bus, BusError, MemoryBus, MemoryBusConfig, RabbitBus, handler_fn};
use tokio_util::sync::CancellationToken;

use crate::helpers::*;

async fn rabbitmqctl(args: &[&str]) {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let output =
        tokio::task::spawn_blocking(move || Command::new("rabbitmqctl").args(&args).output())
            .await
            .unwrap()
            .unwrap();
    assert!(
        output.status.success(),
        "rabbitmqctl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Closing the connections of a vhost of its own leaves the tests running in parallel alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rabbitmq_consumption_resumes_after_the_broker_closes_all_connections() {
    let vhost = govhall_test_support::unique_prefix()
        .trim_end_matches('.')
        .to_owned();
    rabbitmqctl(&["add_vhost", &vhost]).await;
    rabbitmqctl(&["set_permissions", "-p", &vhost, "guest", ".*", ".*", ".*"]).await;
    let base = govhall_test_support::amqp_url();
    let url = format!("{}/{vhost}", base.rsplit_once('/').unwrap().0);
    let bus = bus_at(Kind::Rabbit, &url).await;
    let seen = Seen::default();
    let shutdown = CancellationToken::new();
    let recorder = seen.clone();
    let _consumer = bus.consume(
        SERVICE,
        handler_fn(move |m| {
            let recorder = recorder.clone();
            async move {
                recorder.push(&m);
                Ok(())
            }
        }),
        shutdown.clone(),
    );
    let before = envelope();
    publish_ok(bus.as_ref(), std::slice::from_ref(&before)).await;
    eventually("the first message arrives", || async {
        seen.count_of(&before) == 1
    })
    .await;

    rabbitmqctl(&["close_all_connections", "--vhost", &vhost, "test"]).await;

    // The first publish may still find the dead connection (Disconnected); the next reconnects.
    let after = envelope();
    eventually("a publish is confirmed again", || async {
        bus.publish(std::slice::from_ref(&after))
            .await
            .iter()
            .all(Result::is_ok)
    })
    .await;
    eventually(
        "the consumer reconnected and got the second message",
        || async { seen.count_of(&after) >= 1 },
    )
    .await;
    shutdown.cancel();
    rabbitmqctl(&["delete_vhost", &vhost]).await;
}

#[tokio::test]
async fn rabbitmq_is_not_ready_and_publishes_fail_when_the_broker_is_unreachable() {
    let bus = RabbitBus::new("amqp://guest:guest@127.0.0.1:1/%2f", topology());

    assert!(matches!(bus.ready().await, Err(BusError::Disconnected)));
    let results = bus.publish(&[envelope()]).await;
    assert!(
        matches!(results[..], [Err(BusError::Disconnected)]),
        "{results:?}"
    );
}

#[tokio::test]
async fn memory_publish_returns_only_after_a_running_consumer_settled_the_message() {
    let bus = MemoryBus::new(topology());
    bus.declare().await.unwrap();
    sink_other_queues(&bus);
    let handled = Arc::new(AtomicBool::new(false));
    let shutdown = CancellationToken::new();
    let flag = Arc::clone(&handled);
    let consumer = bus.consume(
        SERVICE,
        handler_fn(move |_| {
            let flag = Arc::clone(&flag);
            async move {
                tokio::time::sleep(Duration::from_millis(200)).await;
                flag.store(true, Ordering::SeqCst);
                Ok(())
            }
        }),
        shutdown.clone(),
    );

    publish_ok(&bus, &[envelope()]).await;

    assert!(
        handled.load(Ordering::SeqCst),
        "publish returned before the handler committed"
    );
    shutdown.cancel();
    tokio::time::timeout(WAIT, consumer).await.unwrap().unwrap();
}

#[tokio::test]
async fn memory_publish_times_out_when_the_consumer_does_not_settle_in_time() {
    let config = MemoryBusConfig {
        settle_timeout: Duration::from_millis(100),
        ..MemoryBusConfig::default()
    };
    let bus = MemoryBus::with_config(topology(), config);
    bus.declare().await.unwrap();
    let shutdown = CancellationToken::new();
    let _consumer = bus.consume(
        SERVICE,
        handler_fn(|_| async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok(())
        }),
        shutdown.clone(),
    );

    let results = bus.publish(&[envelope()]).await;

    assert!(
        matches!(results[..], [Err(BusError::Timeout(_))]),
        "{results:?}"
    );
    shutdown.cancel();
}

#[tokio::test]
async fn memory_publish_is_not_confirmed_while_the_consumer_is_stopped() {
    // At shutdown one service's consumer may stop while another's relay still publishes:
    // confirming then would let the relay mark a row sent for a message that dies with
    // the process.
    let config = MemoryBusConfig {
        settle_timeout: Duration::from_millis(300),
        ..MemoryBusConfig::default()
    };
    let bus = MemoryBus::with_config(topology(), config);
    bus.declare().await.unwrap();
    sink_other_queues(&bus);
    let shutdown = CancellationToken::new();
    let consumer = bus.consume(SERVICE, handler_fn(|_| async { Ok(()) }), shutdown.clone());
    shutdown.cancel();
    tokio::time::timeout(WAIT, consumer).await.unwrap().unwrap();

    let results = bus.publish(&[envelope()]).await;

    assert!(
        matches!(results[..], [Err(BusError::Timeout(_))]),
        "{results:?}"
    );
}

#[tokio::test]
async fn memory_publish_before_declare_is_unroutable() {
    let bus = MemoryBus::new(topology());

    let results = bus.publish(&[envelope()]).await;

    assert!(
        matches!(results[..], [Err(BusError::Unroutable(_))]),
        "{results:?}"
    );
}

#[tokio::test]
async fn memory_a_consumer_aborted_mid_message_leaves_the_message_in_the_queue() {
    let bus = Arc::new(MemoryBus::new(topology()));
    bus.declare().await.unwrap();
    sink_other_queues(&bus);
    let stuck = bus.consume(
        SERVICE,
        handler_fn(|_| std::future::pending::<anyhow::Result<()>>()),
        CancellationToken::new(),
    );
    let message = envelope();
    let publishing = tokio::spawn({
        let (bus, message) = (Arc::clone(&bus), message.clone());
        async move { bus.publish(&[message]).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;

    stuck.abort();
    let _ = stuck.await;
    let seen = Seen::default();
    let recorder = seen.clone();
    let shutdown = CancellationToken::new();
    let _consumer = bus.consume(
        SERVICE,
        handler_fn(move |m| {
            let recorder = recorder.clone();
            async move {
                recorder.push(&m);
                Ok(())
            }
        }),
        shutdown.clone(),
    );

    let results = tokio::time::timeout(WAIT, publishing)
        .await
        .unwrap()
        .unwrap();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    eventually("the next consumer gets the message", || async {
        seen.count_of(&message) == 1
    })
    .await;
    shutdown.cancel();
}
