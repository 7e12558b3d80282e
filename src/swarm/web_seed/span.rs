//! From picked blocks to HTTP ranges: blocks that follow each other in the
//! torrent's concatenated data form one [`Run`], and a run is cut at file
//! boundaries into [`FileRange`]s, one range request each. Empty files take
//! no request, and BEP 47 pad files none either: their bytes are zeros.

use crate::metainfo::FileEntry;
use crate::swarm::picker::Block;

/// Blocks that are contiguous in the torrent's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Run {
    /// The blocks, in data order.
    pub(super) blocks: Vec<Block>,
    /// Where the first block starts in the torrent's data.
    pub(super) offset: u64,
    /// Bytes of all the blocks.
    pub(super) length: u64,
}

/// A byte range of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileRange {
    /// Index of the file in the torrent.
    pub(super) file: usize,
    /// First byte in the file.
    pub(super) start: u64,
    /// Bytes in the range (never 0).
    pub(super) length: u64,
    /// File length, to recognise a range that is the whole file.
    pub(super) file_length: u64,
    /// The file is BEP 47 padding: its bytes are zeros and no server has it.
    pub(super) pad: bool,
}

/// Sorts `blocks` and groups them into runs.
pub(super) fn runs(mut blocks: Vec<Block>, piece_length: u32) -> Vec<Run> {
    let offset_of =
        |block: &Block| u64::from(block.index) * u64::from(piece_length) + u64::from(block.begin);
    blocks.sort_by_key(offset_of);
    let mut runs: Vec<Run> = Vec::new();
    for block in blocks {
        let offset = offset_of(&block);
        match runs.last_mut() {
            Some(run) if run.offset + run.length == offset => {
                run.length += u64::from(block.length);
                run.blocks.push(block);
            }
            _ => runs.push(Run {
                blocks: vec![block],
                offset,
                length: u64::from(block.length),
            }),
        }
    }
    runs
}

/// The file ranges holding `length` bytes of the torrent's data from `offset`.
pub(super) fn file_ranges(files: &[FileEntry], offset: u64, length: u64) -> Vec<FileRange> {
    let end = offset + length;
    let first = files.partition_point(|file| file.end() <= offset);
    files[first..]
        .iter()
        .enumerate()
        .take_while(|(_, file)| file.offset < end)
        .filter(|(_, file)| file.length > 0)
        .map(|(position, file)| {
            let start = offset.max(file.offset);
            FileRange {
                file: first + position,
                start: start - file.offset,
                length: end.min(file.end()) - start,
                file_length: file.length,
                pad: file.is_pad(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn block(index: u32, begin: u32, length: u32) -> Block {
        Block {
            index,
            begin,
            length,
        }
    }

    fn files(lengths: &[u64]) -> Vec<FileEntry> {
        let mut offset = 0;
        lengths
            .iter()
            .enumerate()
            .map(|(index, &length)| {
                let entry = FileEntry {
                    path: PathBuf::from(format!("t/{index}")),
                    length,
                    offset,
                    attributes: Default::default(),
                };
                offset += length;
                entry
            })
            .collect()
    }

    #[test]
    fn contiguous_blocks_across_pieces_make_one_run_and_gaps_split_runs() {
        let picked = vec![
            block(1, 0, 8),
            block(0, 8, 8),
            block(0, 0, 8),
            block(3, 0, 4),
        ];
        let runs = runs(picked, 16);
        let shape: Vec<(u64, u64, usize)> = runs
            .iter()
            .map(|run| (run.offset, run.length, run.blocks.len()))
            .collect();
        assert_eq!(shape, [(0, 24, 3), (48, 4, 1)]);
    }

    #[test]
    fn a_run_is_cut_at_file_boundaries_and_skips_empty_files() {
        let files = files(&[10, 0, 5, 20]);
        let ranges = file_ranges(&files, 8, 10);
        let shape: Vec<(usize, u64, u64)> = ranges
            .iter()
            .map(|range| (range.file, range.start, range.length))
            .collect();
        assert_eq!(shape, [(0, 8, 2), (2, 0, 5), (3, 0, 3)]);
        assert_eq!(file_ranges(&files, 15, 20)[0].file, 3);
        assert_eq!(file_ranges(&files, 0, 10).len(), 1);
    }

    #[test]
    fn a_pad_file_range_is_marked_so_it_is_filled_with_zeros_not_requested() {
        let mut files = files(&[10, 6, 5]);
        files[1].attributes.pad = true;
        let pads: Vec<(usize, bool)> = file_ranges(&files, 8, 10)
            .iter()
            .map(|range| (range.file, range.pad))
            .collect();
        assert_eq!(pads, [(0, false), (1, true), (2, false)]);
    }
}
