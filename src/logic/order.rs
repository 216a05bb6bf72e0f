//! One sort for the whole client.
//!
//! Every generic `sort` is compiled once per element type and adds kilobytes to the wasm (four
//! instantiations were about 13 KB). The client's lists are ordered through [`sorted_order`]
//! instead: one instantiation that sorts indices under a comparator.

use std::cmp::Ordering;

/// The indices `0..len` ordered by `cmp` (ties keep no particular order: callers compare whole
/// values, so equal elements are interchangeable).
pub fn sorted_order(len: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_unstable_by(|&a, &b| cmp(a, b));
    order
}

/// `items` in the order of [`sorted_order`] under `cmp`.
pub fn sort_by<T>(items: Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) -> Vec<T> {
    let order = sorted_order(items.len(), &|a, b| cmp(&items[a], &items[b]));
    in_order(items, order)
}

/// `items` taken in the order of the indices in `order` (an index out of range or given twice is
/// skipped).
pub fn in_order<T>(items: Vec<T>, order: Vec<usize>) -> Vec<T> {
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

/// `items` in ascending order.
pub fn sorted<T: Ord>(items: Vec<T>) -> Vec<T> {
    sort_by(items, T::cmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_like_the_standard_sort() {
        let mut seed = 7u64;
        for len in [0, 1, 2, 3, 17, 200] {
            let items: Vec<(String, u64)> = (0..len)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (format!("{:b}", (seed >> 40) % 16), seed >> 60)
                })
                .collect();
            let mut expected = items.clone();
            expected.sort();
            assert_eq!(sorted(items), expected, "len {len}");
        }
    }

    #[test]
    fn sorted_order_gives_indices() {
        assert_eq!(
            sorted_order(4, &|a, b| [3, 1, 2, 0][a].cmp(&[3, 1, 2, 0][b])),
            [3, 1, 2, 0]
        );
        assert!(sorted_order(0, &|_, _| Ordering::Equal).is_empty());
    }
}
