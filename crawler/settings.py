"""Scrapy defaults for WildWatch crawls: polite first.

Deploy-specific values (database URL, snapshot directory, User-Agent, limits) are filled in by
the CLI from WildWatch's settings; ``wildwatch crawl --set NAME=VALUE`` overrides any of them.
"""

BOT_NAME = "wildwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "WildWatchBot/0.1 (+https://github.com/wildwatch/wildwatch; wildlife-trade monitoring)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 16
# Spider outputs processed in parallel per response.  Scrapy starts this many tasks for every
# response (default 100); a page here yields one listing and a few dozen links at most.
CONCURRENT_ITEMS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 5_000_000  # bytes; larger pages are skipped with reason "too_large"
DOWNLOAD_WARNSIZE = 0
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
# Deduplicate on canonical URLs (tracking params, fragments, mobile hosts), see crawler.dedupe.
REQUEST_FINGERPRINTER_CLASS = "crawler.dedupe.CanonicalFingerprinter"
DOWNLOAD_FAIL_ON_DATALOSS = True  # a truncated body is skipped with reason "truncated"
TELNETCONSOLE_ENABLED = False
LOGSTATS_INTERVAL = 0

# Holds CLOSESPIDER_PAGECOUNT (--max-pages) to the requests in flight when it is reached (crawler.limits).
EXTENSIONS = {"crawler.limits.PageCap": 0}
# Listing photos are fetched (crawler.images) before the listing goes to the store writer.
ITEM_PIPELINES = {"crawler.images.ListingImagesPipeline": 200, "crawler.pipelines.StorePipeline": 300}
# Photo redirects are followed like page redirects (kept on the site by the middlewares below).
MEDIA_ALLOW_REDIRECTS = True
DOWNLOADER_MIDDLEWARES = {
    # Fetch only the crawl's site (crawler.scope): before robots.txt (100), so a refused host's
    # robots.txt is never asked for; redirects and <meta refresh> stay on the site too.
    "crawler.middlewares.SiteScopeMiddleware": 50,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.LoopAwareRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.ScopedMetaRefreshMiddleware": 580,
    # After RetryMiddleware (550) in the exception chain: a refused address is not retried.
    "crawler.middlewares.AddressRefusalMiddleware": 950,
}
# Every address a host resolves to is judged before connecting (crawler.resolver; SSRF).
TWISTED_DNS_RESOLVER = "crawler.resolver.PolicyResolver"
# Only http(s): a redirect or link to file:, ftp:, s3: or data: must never reach a handler.
DOWNLOAD_HANDLERS = {"file": None, "ftp": None, "s3": None, "data": None}
# A proxy resolves names itself, out of the address policy's sight: off unless an operator turns
# it on (--set HTTPPROXY_ENABLED=true), and then the proxy must refuse internal addresses.
HTTPPROXY_ENABLED = False

# Filled in by crawler.run from the crawl's spec.
WILDWATCH_DATABASE_URL = None
WILDWATCH_STORE = None  # the crawl process's store.db.Store (its engine), shared with a writer thread
WILDWATCH_SNAPSHOT_DIR = None
WILDWATCH_RUN_ID = None
WILDWATCH_SITE_ID = None
WILDWATCH_MAX_PAGES = 0
WILDWATCH_STORE_BATCH = 200
WILDWATCH_PROGRESS_SECONDS = 5.0
# Listing photos (crawler.images, crawler.photos): where they are kept (None: not fetched), how
# many of a listing's are fetched, what one may cost, and the photo bytes a store batch holds.
WILDWATCH_IMAGE_DIR = None
WILDWATCH_IMAGES_PER_LISTING = 10
WILDWATCH_IMAGE_MAX_BYTES = 15_000_000
WILDWATCH_IMAGE_MAX_PIXELS = 40_000_000
WILDWATCH_IMAGE_MAX_FRAMES = 200
WILDWATCH_IMAGE_MATCH_INDEX = "memory"  # or "database" (store.memory_index)
WILDWATCH_STORE_BATCH_PHOTO_BYTES = 64_000_000
WILDWATCH_STORE_RETRY_SECONDS = 120.0  # a batch waits this long for an unavailable database, then fails the crawl
# Read pages in this many worker processes ("auto": see crawler.spiders.generic.extract_workers;
# 0: in the crawl process); `wildwatch crawl` sets it from WILDWATCH_CRAWLER__EXTRACT_WORKERS.
# Extraction is the crawl's CPU cost; workers let downloading go on meanwhile.
WILDWATCH_EXTRACT_WORKERS = "auto"
# Write store batches (snapshots, SQL, search tokens) in a process of their own ("process"), or in
# a thread of the crawl process ("thread"); "auto": a process when there are two cores or more.
WILDWATCH_STORE_WRITER = "auto"
# Distributed mode (scrapy-redis): filled in by --redis; a worker whose queue stays empty this
# long stops (other workers may still be enqueueing pages).
WILDWATCH_REDIS_URL = None
WILDWATCH_REDIS_PREFIX = None
WILDWATCH_REDIS_IDLE_SECONDS = 10.0
# A worker that cannot reach Redis this long fails its run (reason "redis_unavailable").
WILDWATCH_REDIS_GRACE_SECONDS = 30.0
# The address policy (core.addresses): networks a crawl may fetch from although they are not
# public (CIDRs; e.g. ["127.0.0.0/8"] for a loopback test site), and fixed addresses for host
# names ({"market.test": "127.0.0.1"}, like /etc/hosts).  From WILDWATCH_CRAWLER__*.
WILDWATCH_ALLOWED_NETWORKS: list[str] = []
WILDWATCH_STATIC_HOSTS: dict[str, list[str]] = {}
