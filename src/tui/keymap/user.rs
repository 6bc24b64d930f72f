//! The keys in use: the table's defaults, with the user's bindings (from
//! the config file) replacing the keys of the actions they name.

use super::{Action, BINDINGS, Binding, Context, Key};

/// The keys of each binding of [`BINDINGS`], in the table's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    keys: Vec<Vec<Key>>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            keys: BINDINGS.iter().map(|b| b.keys.to_vec()).collect(),
        }
    }
}

impl Keymap {
    /// Each binding with its keys now.
    pub fn bindings(&self) -> impl Iterator<Item = (&'static Binding, &[Key])> {
        BINDINGS.iter().zip(self.keys.iter().map(Vec::as_slice))
    }

    /// The first key of `action` in `context`, as the views' hints print
    /// it ("?" if there is no such binding, which the tests rule out).
    pub fn key(&self, context: Context, action: Action) -> String {
        let mut labels = self.labels(context, action);
        if labels.is_empty() {
            "?".to_string()
        } else {
            labels.swap_remove(0)
        }
    }

    /// Every key of `action` in `context`, as labels.
    pub fn labels(&self, context: Context, action: Action) -> Vec<String> {
        self.bindings()
            .find(|(b, _)| b.context == context && b.action == action)
            .map(|(_, keys)| keys.iter().map(|k| k.label()).collect())
            .unwrap_or_default()
    }

    /// Replaces the keys of `action` in `context`. Err: the action has no
    /// binding there (the message lists those it has), or no keys given.
    pub fn rebind(
        &mut self,
        context: Context,
        action: Action,
        keys: Vec<Key>,
    ) -> Result<(), String> {
        if keys.is_empty() {
            return Err("no keys: give at least one (an action cannot be unbound)".into());
        }
        let Some(i) = BINDINGS
            .iter()
            .position(|b| b.context == context && b.action == action)
        else {
            return Err(format!(
                "no such action in this section (it has: {})",
                configurable(context).join(", ")
            ));
        };
        self.keys[i] = keys;
        Ok(())
    }

    /// Two actions on one key in one context, or a key a text field would
    /// type: the first such conflict, as a message naming both.
    pub fn check(&self) -> Result<(), String> {
        for ctx in Context::names().filter_map(Context::from_name) {
            let rows: Vec<_> = self.bindings().filter(|(b, _)| b.context == ctx).collect();
            let section = ctx.name().unwrap_or_default();
            let typing = rows.iter().any(|(_, keys)| keys.contains(&Key::Text));
            for (i, (b, keys)) in rows.iter().enumerate() {
                for k in keys.iter().filter(|k| **k != Key::Text) {
                    if typing && k.types() {
                        return Err(format!(
                            "[keys.{section}] {}: key {:?} types text there; use a Ctrl or Alt chord or a named key",
                            b.action.name().unwrap_or_default(),
                            k.label()
                        ));
                    }
                    if let Some((other, _)) = rows[i + 1..]
                        .iter()
                        .find(|(o, okeys)| o.action != b.action && okeys.contains(k))
                    {
                        return Err(format!(
                            "[keys.{section}]: key {:?} is bound to both {} and {}",
                            k.label(),
                            b.action.name().unwrap_or_default(),
                            other.action.name().unwrap_or_default()
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The action names that can be bound in `context`.
pub fn configurable(context: Context) -> Vec<&'static str> {
    BINDINGS
        .iter()
        .filter(|b| b.context == context)
        .filter_map(|b| b.action.name())
        .collect()
}
