"""One signed-in page, requested as fast as the users can: `make bench` runs it headless.

BENCH_PATH is the page, BENCH_SESSION a session cookie of a signed-in member (the bench creates
it in the bench database, as signing in would).
"""

import os

from locust import FastHttpUser, task

PATH = os.environ.get("BENCH_PATH", "/")
SESSION = os.environ.get("BENCH_SESSION", "")


class SignedInMember(FastHttpUser):
    @task
    def page(self):
        with self.client.get(
            PATH, headers={"Cookie": f"sessionid={SESSION}"}, catch_response=True
        ) as response:
            # A redirect to sign-in or an error page is a failure, not a fast answer.
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
