//! The BCM provider (`hashi-demo-lab/bcm`), built in: the headnode client, the resources
//! `bcm_cmdevice_device`, `bcm_cmdevice_category`, `bcm_cmdevice_power`, the data sources, and
//! the `bcm_cmdevice_power` action.

pub mod wire;
