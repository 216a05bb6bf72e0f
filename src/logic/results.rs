//! Result helpers: probabilities, the most frequent outcome, and merging StreamResults chunks.

use std::fmt;

/// Each bitstring's probability.
///
/// **Normalisation:** by `shots` when `shots > 0`, otherwise by the sum of the counts (and an empty
/// list when that is 0 too). For this service the counts always sum to `shots` (spec §9), so both give
/// the same numbers; dividing by `shots` keeps a probability meaning "share of the shots requested"
/// if a backend ever reports fewer outcomes than shots, and the sum is the fallback for results that
/// carry no shot count (merged StreamResults chunks, `shots = 0` jobs).
pub fn probabilities(counts: &[(String, u64)], shots: u32) -> Vec<(String, f64)> {
    let denominator = denominator(counts, shots);
    if denominator <= 0.0 {
        return Vec::new();
    }
    counts
        .iter()
        .map(|(k, c)| (k.clone(), *c as f64 / denominator))
        .collect()
}

/// `shots` when positive, else the sum of the counts.
fn denominator(counts: &[(String, u64)], shots: u32) -> f64 {
    if shots > 0 {
        f64::from(shots)
    } else {
        counts.iter().map(|(_, c)| *c as f64).sum()
    }
}

/// The most frequent outcome of a result.
#[derive(Debug, Clone, PartialEq)]
pub struct MostFrequent {
    /// The bitstring.
    pub bitstring: String,
    /// Its count.
    pub count: u64,
    /// Its probability, normalised as in [`probabilities`].
    pub probability: f64,
}

/// The outcome with the highest count; ties go to the lexicographically smallest bitstring, so the
/// answer never depends on map order. `None` for empty counts.
pub fn most_frequent(counts: &[(String, u64)], shots: u32) -> Option<MostFrequent> {
    let (bitstring, count) = counts
        .iter()
        .max_by(|(ka, ca), (kb, cb)| ca.cmp(cb).then_with(|| kb.cmp(ka)))?;
    let denominator = denominator(counts, shots);
    let probability = if denominator > 0.0 {
        *count as f64 / denominator
    } else {
        0.0
    };
    Some(MostFrequent {
        bitstring: bitstring.clone(),
        count: *count,
        probability,
    })
}

/// Why a StreamResults stream could not be merged into a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeError {
    /// A chunk arrived after the one marked final.
    AfterFinal,
    /// The same chunk index arrived twice.
    DuplicateChunk(u32),
    /// A chunk's index is not below its `total_chunks`, or chunks disagree about the total.
    InconsistentTotal,
    /// The stream ended before the final chunk, or with chunks missing.
    Incomplete {
        /// Chunks received.
        received: u32,
        /// Chunks announced (`None` when no chunk arrived).
        expected: Option<u32>,
    },
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MergeError::AfterFinal => f.write_str("result stream sent a chunk after the final one"),
            MergeError::DuplicateChunk(i) => write!(f, "result stream sent chunk {i} twice"),
            MergeError::InconsistentTotal => {
                f.write_str("result stream chunks disagree about the number of chunks")
            }
            MergeError::Incomplete {
                received,
                expected: Some(n),
            } => write!(
                f,
                "result stream ended after {received} of {n} chunks (no final chunk or chunks missing)"
            ),
            MergeError::Incomplete {
                received,
                expected: None,
            } => write!(f, "result stream ended after {received} chunks without a final chunk"),
        }
    }
}

impl std::error::Error for MergeError {}

/// Merges StreamResults chunks (spec §6.8) and checks the stream was complete.
///
/// Each bitstring should appear in exactly one chunk; a repeated bitstring is summed (saturating),
/// which equals plain insertion for a well-behaved server.
#[derive(Debug, Default, Clone)]
pub struct ChunkMerger {
    /// Every chunk's counts as they came; summed per bitstring by [`ChunkMerger::finish`].
    counts: Vec<(String, u64)>,
    /// The chunk indices received, ascending.
    seen: Vec<u32>,
    total: Option<u32>,
    final_seen: bool,
}

impl ChunkMerger {
    /// An empty merger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one chunk.
    pub fn push(
        &mut self,
        chunk_index: u32,
        total_chunks: u32,
        is_final: bool,
        counts: impl IntoIterator<Item = (String, u64)>,
    ) -> Result<(), MergeError> {
        if self.final_seen {
            return Err(MergeError::AfterFinal);
        }
        if chunk_index >= total_chunks {
            return Err(MergeError::InconsistentTotal);
        }
        match self.total {
            Some(t) if t != total_chunks => return Err(MergeError::InconsistentTotal),
            _ => self.total = Some(total_chunks),
        }
        match self.seen.binary_search(&chunk_index) {
            Ok(_) => return Err(MergeError::DuplicateChunk(chunk_index)),
            Err(at) => self.seen.insert(at, chunk_index),
        }
        self.counts.extend(counts);
        self.final_seen = is_final;
        Ok(())
    }

    /// Chunks received so far.
    pub fn chunks_received(&self) -> u32 {
        u32::try_from(self.seen.len()).unwrap_or(u32::MAX)
    }

    /// The merged counts (sorted by bitstring) once the stream ended; checks completeness.
    pub fn finish(self) -> Result<Vec<(String, u64)>, MergeError> {
        let received = u32::try_from(self.seen.len()).unwrap_or(u32::MAX);
        let complete = self.final_seen && self.total == Some(received);
        if !complete {
            return Err(MergeError::Incomplete {
                received,
                expected: self.total,
            });
        }
        let sorted = crate::logic::order::sort_by(self.counts, |a, b| a.0.cmp(&b.0));
        let mut merged: Vec<(String, u64)> = Vec::with_capacity(sorted.len());
        for (k, v) in sorted {
            match merged.last_mut() {
                Some((last, sum)) if *last == k => *sum = sum.saturating_add(v),
                _ => merged.push((k, v)),
            }
        }
        Ok(merged)
    }
}

/// The `shots` a merged result reports: the sum of its counts, clamped to `u32`.
pub fn shots_from_counts(counts: &[(String, u64)]) -> u32 {
    let sum = counts
        .iter()
        .fold(0u64, |acc, (_, c)| acc.saturating_add(*c));
    u32::try_from(sum).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(pairs: &[(&str, u64)]) -> Vec<(String, u64)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[test]
    fn probabilities_by_shots_or_sum() {
        let counts = c(&[("00", 500), ("11", 500)]);
        assert_eq!(
            probabilities(&counts, 1000),
            c(&[("00", 0), ("11", 0)])
                .into_iter()
                .map(|(k, _)| (k, 0.5))
                .collect::<Vec<_>>()
        );
        // shots larger than the counts: share of shots requested.
        let p = probabilities(&c(&[("0", 50)]), 100);
        assert_eq!(p, vec![("0".to_owned(), 0.5)]);
        // no shots: normalised by the sum.
        let p = probabilities(&c(&[("0", 1), ("1", 3)]), 0);
        assert_eq!(p, vec![("0".to_owned(), 0.25), ("1".to_owned(), 0.75)]);
        assert!(probabilities(&[], 0).is_empty());
        assert!(probabilities(&c(&[("0", 0)]), 0).is_empty());
        // empty counts with shots: empty.
        assert!(probabilities(&[], 10).is_empty());
    }

    #[test]
    fn most_frequent_is_deterministic() {
        assert_eq!(most_frequent(&[], 10), None);
        let m = most_frequent(&c(&[("11", 500), ("00", 500)]), 1000);
        assert_eq!(
            m,
            Some(MostFrequent {
                bitstring: "00".into(),
                count: 500,
                probability: 0.5
            })
        );
        // Input order does not matter.
        let m2 = most_frequent(&c(&[("00", 500), ("11", 500)]), 1000);
        assert_eq!(m2.map(|m| m.bitstring), Some("00".to_owned()));
        let m = most_frequent(&c(&[("01", 1), ("10", 7), ("11", 2)]), 0);
        assert_eq!(m.as_ref().map(|m| m.count), Some(7));
        assert_eq!(m.map(|m| m.probability), Some(0.7));
        let m = most_frequent(&c(&[("0", 0)]), 0);
        assert_eq!(m.map(|m| m.probability), Some(0.0));
    }

    #[test]
    fn merges_complete_streams() {
        let mut m = ChunkMerger::new();
        m.push(1, 3, false, c(&[("010", 1), ("011", 1)])).unwrap();
        m.push(0, 3, false, c(&[("000", 1), ("001", 1)])).unwrap();
        m.push(2, 3, true, c(&[("100", 1)])).unwrap();
        assert_eq!(m.chunks_received(), 3);
        let merged = m.finish().unwrap();
        assert_eq!(merged.len(), 5);
        assert_eq!(merged.first().map(|p| p.0.as_str()), Some("000"));
        assert_eq!(shots_from_counts(&merged), 5);
    }

    #[test]
    fn empty_result_is_one_final_chunk() {
        let mut m = ChunkMerger::new();
        m.push(0, 1, true, Vec::new()).unwrap();
        assert_eq!(m.finish().unwrap(), Vec::new());
    }

    #[test]
    fn rejects_broken_streams() {
        let mut m = ChunkMerger::new();
        m.push(0, 2, false, c(&[("0", 1)])).unwrap();
        assert_eq!(
            m.clone().finish(),
            Err(MergeError::Incomplete {
                received: 1,
                expected: Some(2)
            })
        );
        assert_eq!(
            m.push(0, 2, false, vec![]),
            Err(MergeError::DuplicateChunk(0))
        );
        assert_eq!(
            m.push(1, 3, true, vec![]),
            Err(MergeError::InconsistentTotal)
        );
        assert_eq!(
            m.push(5, 2, true, vec![]),
            Err(MergeError::InconsistentTotal)
        );
        m.push(1, 2, true, vec![]).unwrap();
        assert_eq!(m.push(1, 2, true, vec![]), Err(MergeError::AfterFinal));
        assert_eq!(
            ChunkMerger::new().finish(),
            Err(MergeError::Incomplete {
                received: 0,
                expected: None
            })
        );
        // Final flag on a chunk while others are missing.
        let mut m = ChunkMerger::new();
        m.push(1, 2, true, vec![]).unwrap();
        assert!(matches!(m.finish(), Err(MergeError::Incomplete { .. })));
        assert!(MergeError::AfterFinal.to_string().contains("final"));
    }

    #[test]
    fn repeated_bitstrings_sum_saturating() {
        let mut m = ChunkMerger::new();
        m.push(0, 2, false, c(&[("0", u64::MAX)])).unwrap();
        m.push(1, 2, true, c(&[("0", 5)])).unwrap();
        let merged = m.finish().unwrap();
        assert_eq!(merged, c(&[("0", u64::MAX)]));
        assert_eq!(shots_from_counts(&merged), u32::MAX);
    }
}
