//! Builds report frames column by column, with the same types as the other tables: UTC
//! microsecond timestamps, nullable text and numbers.

use crate::ReportError;
use chrono::{DateTime, Utc};
use cnitrail_frames::polars::prelude::*;

/// Columns of one frame, in order.
pub(crate) struct TableBuilder {
    table: &'static str,
    height: usize,
    columns: Vec<Column>,
}

impl TableBuilder {
    pub(crate) fn new(table: &'static str, height: usize) -> Self {
        TableBuilder {
            table,
            height,
            columns: Vec::new(),
        }
    }

    pub(crate) fn text<S: AsRef<str>>(
        mut self,
        name: &str,
        values: impl IntoIterator<Item = Option<S>>,
    ) -> Self {
        // Straight into the column's buffers: a String per cell first doubled the memory of
        // tables of millions of rows (a year of usage, a minute at a time).
        let mut column = StringChunkedBuilder::new(name.into(), self.height);
        for v in values {
            column.append_option(v.as_ref().map(AsRef::as_ref));
        }
        self.columns
            .push(column.finish().into_series().into_column());
        self
    }

    pub(crate) fn int(mut self, name: &str, values: impl IntoIterator<Item = Option<i64>>) -> Self {
        let v: Vec<Option<i64>> = values.into_iter().collect();
        self.columns.push(Column::new(name.into(), v));
        self
    }

    pub(crate) fn float(
        mut self,
        name: &str,
        values: impl IntoIterator<Item = Option<f64>>,
    ) -> Self {
        let v: Vec<Option<f64>> = values.into_iter().collect();
        self.columns.push(Column::new(name.into(), v));
        self
    }

    pub(crate) fn flag(mut self, name: &str, values: impl IntoIterator<Item = bool>) -> Self {
        let v: Vec<bool> = values.into_iter().collect();
        self.columns.push(Column::new(name.into(), v));
        self
    }

    pub(crate) fn time(
        mut self,
        name: &str,
        values: impl IntoIterator<Item = Option<DateTime<Utc>>>,
    ) -> Self {
        let micros = values.into_iter().map(|t| t.map(|t| t.timestamp_micros()));
        let column = Int64Chunked::from_iter_options(name.into(), micros)
            .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
            .into_series()
            .into_column();
        self.columns.push(column);
        self
    }

    pub(crate) fn list<R, S>(mut self, name: &str, values: impl IntoIterator<Item = R>) -> Self
    where
        R: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        // One builder for the whole column: a Series per row was most of the time of a
        // table with thousands of rows. Rows may borrow their text (no copy per value).
        let mut b = ListStringChunkedBuilder::new(name.into(), self.height, self.height * 2);
        let mut row_values: Vec<S> = Vec::new();
        for row in values {
            row_values.clear();
            row_values.extend(row);
            b.append_values_iter(row_values.iter().map(AsRef::as_ref));
        }
        self.columns.push(b.finish().into_series().into_column());
        self
    }

    /// Appends the columns of `other` (built for the same table and height, perhaps on
    /// another core).
    pub(crate) fn append(mut self, other: TableBuilder) -> Self {
        self.columns.extend(other.columns);
        self
    }

    pub(crate) fn build(self) -> Result<DataFrame, ReportError> {
        let table = self.table;
        DataFrame::new(self.height, self.columns)
            .map_err(|source| ReportError::Frame { table, source })
    }
}
