//! What a transaction may pay for gas, decided from what the node quotes:
//! EIP-1559 fees where the latest block has a base fee, a legacy gas price
//! where it has none. Pure functions over integers, so the rules are tested
//! apart from the node.
//!
//! Invariants: the gas limit is the node's estimate and never above the
//! user's cap; the most a transaction can cost (value plus gas limit times
//! the highest price per gas) is computed without overflow or refused; the
//! quoted numbers are hostile, so a zero or absurd estimate is refused
//! rather than signed.

use super::super::error::LedgerError;

/// Gas of a plain transfer with no input data: an estimate below it is a lie.
pub const TRANSFER_GAS: u64 = 21_000;

/// The gas cap when the user sets none: a transfer with a memo of a few
/// kilobytes fits, a call into a contract that loops does not.
pub const DEFAULT_GAS_CAP: u64 = 200_000;

/// What the node quoted for the next block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    /// The latest block's base fee per gas, when the chain has EIP-1559.
    pub base_fee: Option<u128>,
    /// `eth_maxPriorityFeePerGas` (EIP-1559 chains only).
    pub priority_fee: u128,
    /// `eth_gasPrice` (legacy chains).
    pub gas_price: u128,
}

/// The prices a transaction is signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeePlan {
    /// EIP-1559: pays base fee plus tip, at most `max_fee` per gas.
    Eip1559 { max_fee: u128, priority_fee: u128 },
    /// A legacy (EIP-155) transaction at one price per gas.
    Legacy { gas_price: u128 },
}

impl FeePlan {
    /// The plan for `quote`: twice the base fee plus the tip leaves room for
    /// six full blocks of base-fee growth before the transaction is priced out.
    pub fn from_quote(quote: Quote) -> Result<FeePlan, LedgerError> {
        match quote.base_fee {
            Some(base_fee) => {
                let max_fee = base_fee
                    .checked_mul(2)
                    .and_then(|doubled| doubled.checked_add(quote.priority_fee))
                    .ok_or_else(|| absurd(format!("base fee {base_fee} overflows")))?;
                Ok(FeePlan::Eip1559 {
                    max_fee,
                    priority_fee: quote.priority_fee,
                })
            }
            None => Ok(FeePlan::Legacy {
                gas_price: quote.gas_price,
            }),
        }
    }

    /// The highest price per gas this plan may pay.
    pub fn max_price(&self) -> u128 {
        match *self {
            FeePlan::Eip1559 { max_fee, .. } => max_fee,
            FeePlan::Legacy { gas_price } => gas_price,
        }
    }
}

/// Checks the node's gas estimate against the floor and the user's cap.
pub fn gas_limit(estimate: u64, cap: u64) -> Result<u64, LedgerError> {
    if estimate < TRANSFER_GAS {
        return Err(absurd(format!(
            "gas estimate {estimate} is below the {TRANSFER_GAS} of any transfer"
        )));
    }
    if estimate > cap {
        return Err(LedgerError::GasAboveCap { estimate, cap });
    }
    Ok(estimate)
}

/// The most a transfer of `value` can take from its payer.
pub fn max_cost(value: u128, gas_limit: u64, plan: &FeePlan) -> Result<u128, LedgerError> {
    u128::from(gas_limit)
        .checked_mul(plan.max_price())
        .and_then(|gas| gas.checked_add(value))
        .ok_or_else(|| absurd(format!("the cost of {gas_limit} gas overflows")))
}

fn absurd(message: String) -> LedgerError {
    LedgerError::BadAnswer {
        backend: "evm",
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_fee_means_eip1559_and_none_means_legacy() {
        let quote = Quote {
            base_fee: Some(1_000),
            priority_fee: 7,
            gas_price: 99,
        };
        assert_eq!(
            FeePlan::from_quote(quote).unwrap(),
            FeePlan::Eip1559 {
                max_fee: 2_007,
                priority_fee: 7
            }
        );
        let legacy = Quote {
            base_fee: None,
            ..quote
        };
        assert_eq!(
            FeePlan::from_quote(legacy).unwrap(),
            FeePlan::Legacy { gas_price: 99 }
        );
    }

    #[test]
    fn estimates_are_checked_against_floor_and_cap() {
        assert_eq!(gas_limit(21_000, DEFAULT_GAS_CAP).unwrap(), 21_000);
        assert!(matches!(
            gas_limit(20_999, DEFAULT_GAS_CAP),
            Err(LedgerError::BadAnswer { .. })
        ));
        assert!(matches!(
            gas_limit(30_001, 30_000),
            Err(LedgerError::GasAboveCap {
                estimate: 30_001,
                cap: 30_000
            })
        ));
    }

    #[test]
    fn costs_never_overflow() {
        let plan = FeePlan::Legacy { gas_price: 10 };
        assert_eq!(max_cost(5, 21_000, &plan).unwrap(), 210_005);
        let absurd = FeePlan::Legacy {
            gas_price: u128::MAX,
        };
        assert!(max_cost(1, 21_000, &absurd).is_err());
        let huge_base = Quote {
            base_fee: Some(u128::MAX),
            priority_fee: 0,
            gas_price: 0,
        };
        assert!(FeePlan::from_quote(huge_base).is_err());
    }
}
