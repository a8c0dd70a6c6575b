"""The admin's whole task in Chromium (issue 13, one journey per role: the agency, coordinator
and verifier loop is tests/browser/test_submission_journey.py, the analyst's reading
tests/browser/test_analytics_browser.py): a weak password is refused in Indonesian, an agency
account is created, its holder signs in and lands on the pages of an agency, the admin
deactivates it, and the same sign-in is then refused with the one login message."""

import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot, wait_for_app

pytestmark = pytest.mark.browser
PASSWORD = "Sosial-Serang-2026"


def new_page(browser):
    context = browser.new_context(locale="id-ID", viewport={"width": 1360, "height": 1100})
    return context.new_page()


def choose(page, label, option):
    box = page.get_by_role("combobox", name=label, exact=True).first  # the first form's
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


def test_admin_creates_and_deactivates_an_agency_account(browser, app_url):
    name = f"dinsos.serang.{int(time.time()) % 100000}"  # the server's database is shared
    admin = new_page(browser)
    login(admin, app_url, "admin")
    admin.get_by_role("link", name="Pengguna", exact=True).click()
    wait_for_app(admin)
    expect(admin.get_by_test_id("stDataFrame").first).to_contain_text("Nama pengguna")

    form = admin.get_by_test_id("stForm").filter(has_text="Tambah pengguna")
    form.get_by_role("textbox", name="Nama pengguna").fill(name)
    choose(admin, "Peran", "OPD")
    form.get_by_role("textbox", name="Wilayah (kode)").fill("36.73")
    form.get_by_label("OPD (untuk peran OPD; pisahkan dengan ;)").fill("Dinsos")
    form.get_by_role("textbox", name="Kata sandi").fill("aaaaaaaaaaaa")  # one character repeated
    form.get_by_role("button", name="Buat akun").click()
    wait_for_app(admin)
    expect(admin.get_by_text("Kata sandi: paling sedikit 5 karakter yang berbeda").first).to_be_visible()
    screenshot(admin, "journey-admin-weak-password")

    form.get_by_role("textbox", name="Nama pengguna").fill(name)
    choose(admin, "Peran", "OPD")
    form.get_by_role("textbox", name="Wilayah (kode)").fill("36.73")
    form.get_by_label("OPD (untuk peran OPD; pisahkan dengan ;)").fill("Dinsos")
    form.get_by_role("textbox", name="Kata sandi").fill(PASSWORD)
    form.get_by_role("button", name="Buat akun").click()
    wait_for_app(admin)
    expect(admin.get_by_text(f"Akun {name} dibuat.").first).to_be_visible()
    expect(admin.get_by_test_id("stDataFrame").first).to_contain_text(name)
    screenshot(admin, "journey-admin-created")

    agency = new_page(browser)
    login(agency, app_url, name, PASSWORD)
    expect(agency.get_by_role("link", name="Isian", exact=True)).to_be_visible()
    expect(agency.get_by_role("link", name="Pengguna", exact=True)).to_have_count(0)
    expect(agency.get_by_text("Dinsos", exact=False).first).to_be_visible()
    agency.context.close()

    choose(admin, "Akun", name)
    admin.get_by_role("button", name="Nonaktifkan").click()
    wait_for_app(admin)
    expect(admin.get_by_role("button", name="Aktifkan")).to_be_visible()
    screenshot(admin, "journey-admin-deactivated")

    again = new_page(browser)
    login(again, app_url, name, PASSWORD)
    expect(again.get_by_text("Nama pengguna atau kata sandi salah", exact=False)).to_be_visible()
    expect(again.get_by_role("link", name="Isian", exact=True)).to_have_count(0)
    again.context.close()
    admin.context.close()
