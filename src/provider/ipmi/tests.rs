//! The client against real OpenIPMI `ipmi_sim` BMCs on loopback (see `test_sim`), with ipmitool
//! as a second opinion.

use super::test_sim::{free_udp_port, SimBmc, PASSWORD, USER};
use super::*;
use std::time::{Duration, Instant};

fn target(bmc: &SimBmc) -> IpmiTarget {
    IpmiTarget {
        port: bmc.port,
        ..IpmiTarget::new(bmc.host.clone(), USER, Secret::new(PASSWORD))
    }
}

fn quick() -> IpmiOptions {
    IpmiOptions {
        attempt_timeout: Duration::from_millis(500),
        attempts: 2,
    }
}

#[tokio::test]
async fn power_actions_change_the_simulated_state_and_status_reports_it() {
    let bmc = SimBmc::start();
    let target = target(&bmc);
    let opts = IpmiOptions::default();
    assert_eq!(power_status(&target, &opts).await.unwrap(), PowerState::Off);

    assert_eq!(
        power(&target, PowerAction::On, &opts).await.unwrap(),
        PowerState::On
    );
    assert!(bmc.power_is_on());
    assert_eq!(
        bmc.ipmitool(&["chassis", "power", "status"]).trim(),
        "Chassis Power is on"
    );
    assert_eq!(power_status(&target, &opts).await.unwrap(), PowerState::On);

    assert_eq!(
        power(&target, PowerAction::Off, &opts).await.unwrap(),
        PowerState::Off
    );
    assert!(!bmc.power_is_on());
    assert_eq!(
        bmc.ipmitool(&["chassis", "power", "status"]).trim(),
        "Chassis Power is off"
    );

    // ipmitool changes the state; we see it.
    bmc.ipmitool(&["chassis", "power", "on"]);
    assert_eq!(power_status(&target, &opts).await.unwrap(), PowerState::On);

    // Cycle: ipmi_sim powers off at once and on again about a second later.
    assert_eq!(
        power(&target, PowerAction::Cycle, &opts).await.unwrap(),
        PowerState::Off
    );
    let state = wait_for_power_state(
        &target,
        PowerState::On,
        Duration::from_secs(10),
        Duration::from_millis(200),
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(state, PowerState::On);
    assert!(bmc.power_is_on());

    assert_eq!(bmc.reset_count(), 0);
    assert_eq!(
        power(&target, PowerAction::Reset, &opts).await.unwrap(),
        PowerState::On
    );
    assert_eq!(bmc.reset_count(), 1);
}

#[tokio::test]
async fn sending_an_action_alone_changes_the_state_without_reading_it() {
    let bmc = SimBmc::start();
    send_power_action(&target(&bmc), PowerAction::On, &quick())
        .await
        .unwrap();
    assert!(bmc.power_is_on());
    bmc.fail_chassis_commands();
    let error = send_power_action(&target(&bmc), PowerAction::Off, &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(error, IpmiError::Completion { code: 0xFF, .. }),
        "{error:?}"
    );
    assert!(bmc.power_is_on());
}

#[tokio::test]
async fn soft_shutdown_reaches_the_host() {
    let bmc = SimBmc::start();
    bmc.set_power(true);
    // The simulated host honours the ACPI request at once (see the chassis hook).
    let state = power(&target(&bmc), PowerAction::Soft, &IpmiOptions::default())
        .await
        .unwrap();
    assert_eq!(state, PowerState::Off);
    assert!(!bmc.power_is_on());
}

#[tokio::test]
async fn operator_privilege_is_enough_for_chassis_control() {
    let bmc = SimBmc::start();
    let target = IpmiTarget {
        username: "operator".into(),
        privilege: Privilege::Operator,
        ..target(&bmc)
    };
    assert_eq!(
        power(&target, PowerAction::On, &quick()).await.unwrap(),
        PowerState::On
    );
    assert!(bmc.power_is_on());
}

#[tokio::test]
async fn a_session_left_at_user_privilege_is_refused_chassis_control() {
    // Why Set Session Privilege Level matters: sessions start at USER, and a spec-strict BMC
    // refuses chassis control there with 0xD4.
    let bmc = SimBmc::start();
    let mut session = Session::open(&target(&bmc), &quick()).await.unwrap();
    session
        .request(
            Command::SetSessionPrivilegeLevel,
            wire::NETFN_APP,
            0x3B,
            &[0x02],
        )
        .await
        .unwrap();
    let error = session
        .request(Command::ChassisControl, wire::NETFN_CHASSIS, 0x02, &[0x01])
        .await
        .unwrap_err();
    session.close().await;
    assert!(
        matches!(
            error,
            IpmiError::Completion {
                command: Command::ChassisControl,
                code: 0xD4
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "Chassis Control failed: completion code 0xD4 (insufficient privilege level)"
    );
    assert!(!bmc.power_is_on());
}

#[tokio::test]
async fn a_wrong_password_is_a_credentials_error_without_the_password() {
    let bmc = SimBmc::start();
    let target = IpmiTarget {
        password: Secret::new("not-the-Pa55word"),
        ..target(&bmc)
    };
    let started = Instant::now();
    let error = power_status(&target, &IpmiOptions::default())
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        matches!(error, IpmiError::Credentials { status: None, .. }),
        "{error:?}"
    );
    let shown = format!("{error} {error:?} {target:?}");
    assert!(shown.contains("wrong password"), "{shown}");
    assert!(!shown.contains("not-the-Pa55word"), "{shown}");
}

#[tokio::test]
async fn an_unknown_user_is_a_credentials_error_with_the_rakp_status() {
    let bmc = SimBmc::start();
    let target = IpmiTarget {
        username: "nobody".into(),
        ..target(&bmc)
    };
    let started = Instant::now();
    let error = power_status(&target, &IpmiOptions::default())
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        matches!(
            error,
            IpmiError::Credentials {
                status: Some(0x0D),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("\"nobody\""), "{error}");
}

#[tokio::test]
async fn a_closed_port_is_unreachable_and_refused_within_the_bound() {
    let port = free_udp_port("127.0.0.1");
    let target = IpmiTarget {
        port,
        ..IpmiTarget::new("127.0.0.1", USER, Secret::new(PASSWORD))
    };
    let started = Instant::now();
    let error = power_status(&target, &quick()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    match &error {
        IpmiError::Unreachable {
            address,
            attempts,
            refused,
            ..
        } => {
            assert_eq!(address, &format!("127.0.0.1:{port}"));
            assert_eq!(*attempts, 2);
            assert!(*refused);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        error.to_string().contains(&format!("127.0.0.1:{port}")),
        "{error}"
    );
}

#[tokio::test]
async fn a_silent_peer_is_unreachable_after_attempts_times_timeout() {
    // A bound socket that never answers: no ICMP refusal, only silence.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let target = IpmiTarget {
        port,
        ..IpmiTarget::new("127.0.0.1", USER, Secret::new(PASSWORD))
    };
    let started = Instant::now();
    let error = power(&target, PowerAction::On, &quick()).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(1000) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    match &error {
        IpmiError::Unreachable {
            refused, waited, ..
        } => {
            assert!(!refused);
            assert!(*waited >= Duration::from_millis(1000));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        error
            .to_string()
            .contains("no answer after 2 attempt(s) in 1.0 s"),
        "{error}"
    );
    drop(silent);
}

#[tokio::test]
async fn a_failing_chassis_gives_the_completion_code_and_its_meaning() {
    let bmc = SimBmc::start();
    bmc.fail_chassis_commands();
    let target = target(&bmc);
    let started = Instant::now();
    let error = power_status(&target, &quick()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        matches!(
            error,
            IpmiError::Completion {
                command: Command::GetChassisStatus,
                code: 0xFF
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "Get Chassis Status failed: completion code 0xFF (unspecified error)"
    );
    let error = power(&target, PowerAction::On, &quick()).await.unwrap_err();
    assert!(
        matches!(
            error,
            IpmiError::Completion {
                command: Command::ChassisControl,
                code: 0xFF
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_bmc_out_of_sessions_is_busy() {
    let bmc = SimBmc::start();
    let target = target(&bmc);
    let mut open = Vec::new();
    let error = loop {
        match Session::open(&target, &quick()).await {
            // Kept open on purpose, never closed, until the BMC runs out.
            Ok(session) => open.push(session),
            Err(e) => break e,
        }
        assert!(open.len() < 200, "the BMC never refused a session");
    };
    assert!(matches!(error, IpmiError::Busy { .. }), "{error:?}");
    assert!(error.to_string().starts_with("BMC busy:"), "{error}");
    // Closing one frees a slot.
    if let Some(session) = open.pop() {
        session.close().await;
    }
    assert_eq!(
        power_status(&target, &quick()).await.unwrap(),
        PowerState::Off
    );
}

#[tokio::test]
async fn for_each_target_answers_in_argument_order() {
    let first = SimBmc::start();
    let second = SimBmc::start();
    second.set_power(true);
    let closed = IpmiTarget {
        port: free_udp_port("127.0.0.1"),
        ..target(&first)
    };
    let targets = vec![target(&second), closed, target(&first)];
    let results = for_each_target(
        &targets,
        2,
        |t| async move { power_status(&t, &quick()).await },
    )
    .await;
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().unwrap(), &PowerState::On);
    assert!(matches!(results[1], Err(IpmiError::Unreachable { .. })));
    assert_eq!(results[2].as_ref().unwrap(), &PowerState::Off);
}

#[test]
fn host_and_port_parse_with_the_default_port() {
    assert_eq!(parse_host_port("10.0.0.5"), Ok(("10.0.0.5".into(), 623)));
    assert_eq!(parse_host_port("bmc1:6230"), Ok(("bmc1".into(), 6230)));
    assert_eq!(
        parse_host_port("[fd00::5]:624"),
        Ok(("fd00::5".into(), 624))
    );
    assert_eq!(parse_host_port("[fd00::5]"), Ok(("fd00::5".into(), 623)));
    assert_eq!(parse_host_port("fd00::5"), Ok(("fd00::5".into(), 623)));
    for bad in [
        "",
        ":623",
        "bmc:0",
        "bmc:70000",
        "bmc:x",
        "[fd00::5",
        "[fd00::5]x",
    ] {
        assert!(parse_host_port(bad).is_err(), "{bad}");
    }
    let target = IpmiTarget::new("fd00::5", "u", Secret::new("p"));
    assert_eq!(target.address(), "[fd00::5]:623");
}

#[test]
fn actions_states_and_privileges_read_their_names() {
    for action in PowerAction::ALL {
        assert_eq!(action.to_string().parse::<PowerAction>(), Ok(action));
    }
    assert!("status".parse::<PowerAction>().is_err());
    assert_eq!("off".parse::<PowerState>(), Ok(PowerState::Off));
    assert_eq!("admin".parse::<Privilege>(), Ok(Privilege::Administrator));
    assert_eq!("OPERATOR".parse::<Privilege>(), Ok(Privilege::Operator));
    assert!("user".parse::<Privilege>().is_err());
}
