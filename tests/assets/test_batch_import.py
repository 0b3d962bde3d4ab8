"""An arrival batch from Excel: the template, a dry run naming each error's cell, the import."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from tests.assets.conftest import workbook_bytes

BATCH = ["B-XL-1", "华立", "DDSY-1", "2026-11-20", "first lot"]


def upload(store, book, *, dry_run: bool, status: int):
    return store.call("POST", "/asset-batches/import", status=status,
                      query_string={"dry_run": "true" if dry_run else "false"},
                      data={"file": (book, "batch.xlsx")}, content_type="multipart/form-data")


def test_the_template_has_the_two_sheets_with_their_columns(store):
    book = load_workbook(BytesIO(store.get("/asset-batches/template").data))
    assert book["Batch"]["A1"].value == "number" and book["Serials"]["A1"].value == "serial_number"


def test_a_dry_run_names_every_error_by_sheet_row_and_column_and_writes_nothing(store):
    batch, ids = store.receive(1)
    known = store.get(f"/assets/{ids[0]}").json["serial_number"]
    book = workbook_bytes([["B-XL-2", "", "DDSY-1", "20.11.2026", ""]],
                          [["S-1"], ["bad serial!"], ["S-1"], [known]])
    errors = upload(store, book, dry_run=True, status=422).json["errors"]
    assert [(e["sheet"], e["row"], e["column"]) for e in errors] == [
        ("Batch", 2, "supplier"), ("Batch", 2, "arrived_on"),
        ("Serials", 3, "serial_number"), ("Serials", 4, "serial_number"),
        ("Serials", 5, "serial_number")]
    assert errors[3]["reason"] == "Serial number S-1 is already on row 2."
    assert errors[4]["reason"] == f"Serial number {known} is already a metering asset."
    assert [b["number"] for b in store.get("/asset-batches").json] == [batch["number"]]


def test_a_missing_sheet_is_one_error_of_that_sheet(store):
    wb = load_workbook(workbook_bytes([BATCH], [["S-1"]]))
    del wb["Serials"]
    again = BytesIO()
    wb.save(again)
    again.seek(0)
    errors = upload(store, again, dry_run=True, status=422).json["errors"]
    assert errors == [{"sheet": "Serials", "row": None, "column": None,
                       "reason": "The workbook has no Serials sheet."}]


def test_a_clean_dry_run_previews_and_the_import_records_the_batch(store):
    serials = [[f"XL{i:04d}"] for i in range(25)]
    dry = upload(store, workbook_bytes([BATCH], serials), dry_run=True, status=200).json
    assert (dry["dry_run"], dry["serials"], dry["batch_id"]) == (True, 25, None)
    assert dry["batch"]["arrived_on"] == "2026-11-20"
    assert store.get("/asset-batches").json == []
    done = upload(store, workbook_bytes([BATCH], serials), dry_run=False, status=201).json
    batch = store.get(f"/asset-batches/{done['batch_id']}").json
    assert (batch["number"], batch["quantity"], batch["counts"]) == ("B-XL-1", 25, {"arrived": 25})
    # the same workbook again: the batch number is taken, nothing more is written
    errors = upload(store, workbook_bytes([BATCH], serials), dry_run=False, status=422).json
    assert ("Batch", 2, "number") in [(e["sheet"], e["row"], e["column"]) for e in errors["errors"]]
