"""The web chat page at `/`, driven by Selenium 4 in Debian's headless Chromium against a running gateway.

usage: python browser_chat.py BASE_URL SCREENSHOT_PATH   (e.g. http://127.0.0.1:8080 /tmp/chat.png)
Uses /usr/bin/chromium and /usr/bin/chromedriver (CHROMIUM_BINARY, CHROMEDRIVER override them), so Selenium
Manager never downloads anything. Saves a screenshot, also on failure; exits non-zero on the first failed
check, naming it.
"""
import json
import os
import sys
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

base, screenshot = sys.argv[1].rstrip("/"), sys.argv[2]
origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
TIMEOUT = 60
FINAL = ("answered", "clarify", "no_match", "failed", "expired", "error")
QUESTION = "How can I buy a train ticket?"
ANSWER = "You can purchase tickets online, at station kiosks, or via our mobile app."
# Off topic, and with markup that must show as text.
NONSENSE = "What is the airspeed velocity of an unladen <em>swallow</em>?"


def check(condition, what):
    if not condition:
        sys.exit(f"FAILED: {what}")
    print(f"ok: {what}")


def wait_for(driver, condition, what, timeout=TIMEOUT):
    """The condition's first truthy value within `timeout` seconds, else the failed check `what`."""
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: condition(d))
    except TimeoutException:
        check(False, f"{what} (waited {timeout} s)")


def final_answer(driver, index):
    """The index-th `.answer` once its status is final (not pending or streaming)."""
    answers = driver.find_elements(By.CSS_SELECTOR, "#conversation .answer")
    if len(answers) > index and answers[index].get_attribute("data-status") in FINAL:
        return answers[index]
    return None


def ask(driver, question):
    box = driver.find_element(By.ID, "question")
    box.send_keys(question)
    box.send_keys(Keys.ENTER)


def run(driver):
    driver.get(base + "/")
    check("Ragline" in driver.title, f"GET / is the chat page: title {driver.title!r}")
    box = driver.find_element(By.ID, "question")
    check(driver.find_elements(By.CSS_SELECTOR, "label[for=question]"), "the question box has a label")
    check(driver.find_elements(By.CSS_SELECTOR, "[aria-live]"), "the conversation is an aria-live region")

    ask(driver, QUESTION)
    first = wait_for(driver, lambda d: final_answer(d, 0), "the first question gets a final answer")
    status = first.get_attribute("data-status")
    check(status == "answered", f"the first answer's status is answered: {status!r} ({first.text!r})")
    text = first.find_element(By.CSS_SELECTOR, ".answer-text").text
    check(ANSWER in text, f"the answer text is the approved answer: {text!r}")
    check(int(first.get_attribute("data-deltas") or 0) >= 1, f"the answer streamed in deltas first: {first.get_attribute('data-deltas')}")
    check(first.get_attribute("data-id"), f"the answer carries its question id: {first.get_attribute('data-id')}")
    references = first.find_elements(By.CSS_SELECTOR, ".references li[data-id='transport-001']")
    check(references, "a reference with id transport-001 is listed: " + repr([li.get_attribute("data-id") for li in first.find_elements(By.CSS_SELECTOR, ".references li")]))
    shown = references[0].find_element(By.CSS_SELECTOR, ".ref-question").text
    check(shown == QUESTION, f"the reference shows its question: {shown!r}")
    check("transport-001" in references[0].text and "score" in references[0].text, f"the reference shows its id and score: {references[0].text!r}")
    check(box.get_attribute("value") == "", "the question box is cleared after asking")

    ask(driver, NONSENSE)
    second = wait_for(driver, lambda d: final_answer(d, 1), "the nonsense question gets a final answer")
    status = second.get_attribute("data-status")
    check(status == "no_match", f"the nonsense question is no_match: {status!r} ({second.text!r})")
    badge = second.find_element(By.CSS_SELECTOR, ".badge").text
    check(badge.lower() == "no approved answer", f"a no_match answer says 'No approved answer': {badge!r}")
    check(not second.find_elements(By.CSS_SELECTOR, ".references li"), "a no_match answer lists no references")
    asked = driver.find_elements(By.CSS_SELECTOR, "#conversation .user-question")[1].text
    check(asked == NONSENSE, f"the question is shown as typed, markup as text: {asked!r}")
    check(not driver.find_elements(By.CSS_SELECTOR, "#conversation em"), "no markup from the question reached the page")

    first.find_element(By.CSS_SELECTOR, ".thumb-up").click()
    status = first.find_element(By.CSS_SELECTOR, ".feedback-status")
    state = wait_for(driver, lambda d: status.get_attribute("data-state") in ("sent", "error") and status.get_attribute("data-state"), "the feedback is answered")
    check(state == "sent", f"thumbs up on the first answer is sent: {status.text!r}")
    check(first.find_element(By.CSS_SELECTOR, ".thumb-up").get_attribute("aria-pressed") == "true", "the thumbs-up button shows it was chosen")
    check(not second.find_element(By.CSS_SELECTOR, ".feedback-status").text, "the other answer's feedback is untouched")

    errors = [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]
    check(not errors, f"the browser console has no errors: {errors}")

    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            request = message["params"]["request"]
            requests.append((request["method"], request["url"]))
    foreign = [url for _, url in requests if not url.startswith("data:") and "{0.scheme}://{0.netloc}".format(urlsplit(url)) != origin]
    check(not foreign, f"every request went to {origin}: {foreign}")
    paths = [(method, urlsplit(url).path) for method, url in requests]
    check(("POST", "/v1/chat") in paths, "the page asked POST /v1/chat")
    check(any(method == "POST" and path.endswith("/feedback") for method, path in paths), "the page sent POST /v1/questions/{id}/feedback")


options = webdriver.ChromeOptions()
options.binary_location = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,900", "--lang=en-US"):
    options.add_argument(flag)
options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
try:
    driver = webdriver.Chrome(options=options, service=Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")))
except WebDriverException as error:
    sys.exit(f"FAILED: start headless Chromium: {error.msg}")
try:
    run(driver)
except WebDriverException as error:
    sys.exit(f"FAILED: the browser: {type(error).__name__}: {error.msg}")
finally:
    try:
        driver.save_screenshot(screenshot)
        print(f"screenshot: {screenshot}")
    except WebDriverException as error:
        print(f"no screenshot: {error.msg}", file=sys.stderr)
    driver.quit()
print("browser chat: every check passed")
