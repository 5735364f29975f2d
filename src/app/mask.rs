//! The privacy mask's behaviour in the dashboard: `:mask` and learning serial numbers from
//! engine events (device facts, Central and Conductor APs), so they are masked wherever they are drawn.
//! The rules are in `crate::mask`; the pass over the screen is the last step of `ui::render`.

use super::msg::Out;
use crate::engine::messages::Event;
use crate::mask::MaskState;

/// Learn the serials an event carries.
pub fn observe(mask: &mut MaskState, ev: &Event) {
    match ev {
        Event::Polled { facts, .. } => {
            if let Some(s) = &facts.serial {
                mask.known.learn(s);
            }
            if let Some(v) = &facts.version {
                mask.known.learn_version(v);
            }
        }
        Event::Central { aps, .. } | Event::ApDatabase { aps, .. } => {
            for ap in aps {
                mask.known.learn(&ap.serial);
                mask.known.learn_version(&ap.firmware);
            }
        }
        _ => {}
    }
}

/// `:mask [on|off]`: no argument toggles.
pub fn command(mask: &mut MaskState, arg: Option<&str>) -> Out {
    mask.on = match arg {
        Some("on") => true,
        Some("off") => false,
        None => !mask.on,
        Some(other) => {
            return Out::status(format!(
                "unknown :mask {other}: use :mask, :mask on or :mask off"
            ));
        }
    };
    Out::status(if mask.on {
        "mask on: IP and MAC addresses, serials and [mask] patterns are hidden on screen (not in exports)"
    } else {
        "mask off: the screen shows every address and serial"
    })
}
