package io.cohort.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through Debian's chromedriver (never a downloaded browser or
 * driver): {@code -Dcohort.e2e.chromium=PATH} and {@code -Dcohort.e2e.chromedriver=PATH} override
 * the {@code /usr/bin} defaults. Pages of the dashboard are opened by their hash route.
 */
final class DashboardBrowser implements AutoCloseable {
  static final Dimension LAPTOP = new Dimension(1366, 900);
  static final Dimension TABLET = new Dimension(820, 1180);

  private final ChromeDriver driver;
  private final String base;
  private final Path screenshots;

  private static Path chromium() {
    return Path.of(System.getProperty("cohort.e2e.chromium", "/usr/bin/chromium"));
  }

  private static Path chromedriver() {
    return Path.of(System.getProperty("cohort.e2e.chromedriver", "/usr/bin/chromedriver"));
  }

  /**
   * Before any federation is started: without Chromium and chromedriver the browser tests are
   * skipped with the reason printed, unless {@code COHORT_E2E_REQUIRE_BROWSER=1} (set by
   * {@code bin/test} wherever it installed them, so on CI), which turns the skip into a failure.
   */
  static void assumeInstalled() {
    for (Path p : List.of(chromium(), chromedriver())) {
      if (!Files.isExecutable(p)) {
        String why = p + " is not installed: the dashboard browser tests need Debian's chromium and chromium-driver"
            + " (apt-get install -y chromium chromium-driver; bin/test installs them when run as root), or"
            + " -Dcohort.e2e.chromium=PATH -Dcohort.e2e.chromedriver=PATH";
        if ("1".equals(System.getenv("COHORT_E2E_REQUIRE_BROWSER"))) {
          throw new IllegalStateException(why);
        }
        System.err.println("SKIPPED dashboard browser test: " + why);
        Assumptions.abort(why);
      }
    }
  }

  /**
   * @param base the dashboard's origin, {@code https://127.0.0.1:PORT} (issue 21 #5)
   * @param spkiPin base64 SHA-256 of the public key of the coordinator's HTTPS certificate: Chromium accepts
   *     exactly that key although the test CA is not in its trust store; every other certificate error stays
   */
  DashboardBrowser(java.net.URI base, String spkiPin, Path screenshots) throws IOException {
    Path chromium = chromium();
    Path chromedriver = chromedriver();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--force-device-scale-factor=1", "--lang=en-GB", "--window-size=" + LAPTOP.width + "," + LAPTOP.height,
        "--ignore-certificate-errors-spki-list=" + spkiPin);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort().build();
    this.driver = new ChromeDriver(service, options);
    this.base = base.toString();
    this.screenshots = screenshots;
    Files.createDirectories(screenshots);
  }

  WebDriver driver() {
    return driver;
  }

  String base() {
    return base;
  }

  /** Opens the dashboard afresh: a full page load, even where only the route differs from the current URL. */
  void open(String route) {
    driver.get("about:blank");
    driver.get(base + "/dashboard/" + (route == null ? "" : "#" + route));
  }

  /** Goes to a route inside the loaded dashboard (no page load), as a link click would. */
  void go(String route) {
    js("location.hash = arguments[0];", route);
  }

  void signIn(String token) {
    WebElement field = waitVisible(By.id("token"));
    field.clear();
    field.sendKeys(token);
    driver.findElement(By.cssSelector("#login-form button[type=submit]")).click();
    waitVisible(By.id("nav"));
  }

  WebElement waitVisible(By by) {
    return new WebDriverWait(driver, Duration.ofSeconds(20)).until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  /** Waits for {@code condition}; elements replaced by a live re-render meanwhile are simply looked up again. */
  void waitUntil(String what, Duration timeout, java.util.function.Function<WebDriver, Boolean> condition) {
    new WebDriverWait(driver, timeout).withMessage(what).ignoring(StaleElementReferenceException.class)
        .until(condition);
  }

  /**
   * The rendered text of the first element matching {@code css}, read in one step inside the page:
   * live pages re-render every few seconds, so a found element may be replaced before it is read.
   */
  String text(String css) {
    Object t = js("const e = document.querySelector(arguments[0]);"
        + " if (!e) { throw new Error('no element ' + arguments[0]); } return e.innerText;", css);
    return String.valueOf(t).strip();
  }

  /** An attribute of the first element matching {@code css} (null when absent), read in one step. */
  String attr(String css, String name) {
    return (String) js("const e = document.querySelector(arguments[0]);"
        + " if (!e) { throw new Error('no element ' + arguments[0]); } return e.getAttribute(arguments[1]);", css, name);
  }

  WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  List<WebElement> findAll(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  Object asyncJs(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
  }

  void size(Dimension d) {
    driver.manage().window().setSize(d);
  }

  /** Saves a screenshot of the whole page (the window grown to the page's height) as {@code <name>.png}. */
  Path screenshot(String name) throws IOException {
    Dimension before = driver.manage().window().getSize();
    long height = ((Number) js("return document.documentElement.scrollHeight;")).longValue();
    driver.manage().window().setSize(new Dimension(before.width, (int) Math.min(2400, Math.max(before.height, height + 140))));
    try {
      js("return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));");
      byte[] png = driver.getScreenshotAs(OutputType.BYTES);
      Path out = screenshots.resolve(name + ".png");
      Files.write(out, png);
      return out;
    } finally {
      driver.manage().window().setSize(before);
    }
  }

  /** True when the page is wider than the window (a horizontal scroll bar on the whole page). */
  boolean overflowsHorizontally() {
    return (Boolean) js("return document.documentElement.scrollWidth > document.documentElement.clientWidth + 1;");
  }

  @Override
  public void close() {
    driver.quit();
  }
}
