import threading

from wfm_aws import OperationRateLimiter, Rate, RateLimiter


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.lock = threading.Lock()

    def clock(self):
        return self.now

    def sleep(self, seconds):
        with self.lock:
            self.now += seconds


def test_a_burst_passes_then_calls_are_paced_to_the_rate():
    fake = FakeTime()
    limiter = RateLimiter(5, burst=5, clock=fake.clock, sleep=fake.sleep)
    for _ in range(5):
        limiter.acquire()
    assert fake.now == 0.0
    for _ in range(10):
        limiter.acquire()
    assert abs(fake.now - 2.0) < 1e-9  # 10 more calls at 5/s


def test_idle_time_refills_the_bucket_up_to_the_burst():
    fake = FakeTime()
    limiter = RateLimiter(2, burst=2, clock=fake.clock, sleep=fake.sleep)
    limiter.acquire()
    limiter.acquire()
    fake.now += 100.0
    start = fake.now
    for _ in range(3):
        limiter.acquire()
    assert abs(fake.now - start - 0.5) < 1e-9  # two free, the third waits half a second


def test_each_operation_has_a_bucket_of_its_own():
    fake = FakeTime()
    limiter = OperationRateLimiter({"GetMetricData": Rate(5, 8), "ListUsers": None}, default=Rate(2, 5),
                                   clock=fake.clock, sleep=fake.sleep)
    for _ in range(8):
        limiter.acquire("GetMetricData")
    for _ in range(5):
        limiter.acquire("DescribeUser")
        limiter.acquire("DescribeQueue")  # the default rate, but a bucket of its own
    for _ in range(50):
        limiter.acquire("ListUsers")  # None: unpaced
    assert fake.now == 0.0
    limiter.acquire("DescribeUser")
    assert abs(fake.now - 0.5) < 1e-9  # the sixth DescribeUser waits for its bucket at 2/s
    limiter.acquire("GetMetricData")
    assert abs(fake.now - 0.5) < 1e-9  # GetMetricData refilled 2.5 tokens meanwhile
    assert limiter.waited_s == {"DescribeUser": 0.5}
