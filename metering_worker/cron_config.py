"""`rq cron` schedule of the metering worker: rq cron --url $REDIS_URL metering_worker/cron_config.py"""

from rq import cron

from metering_worker.jobs.commands import reannounce_commands
from metering_worker.jobs.payments import recover_orders
from metering_worker.jobs.polls import schedule_sweeps
from metering_worker.jobs.queues import COMMANDS, DEFAULT, PAYMENTS, POLLS, use_json_for_cron
from metering_worker.jobs.reconciliation import reconcile_yesterday
from metering_worker.jobs.sms import send_pending

use_json_for_cron()

# Every minute: start the sweeps of the sites whose poll interval has run out.
cron.register(schedule_sweeps, POLLS, cron="* * * * *", job_timeout=120, result_ttl=600)

# Every 10 s: expire stale queued commands, re-announce open ones that nobody picked up (RQ
# only carries commands; a lost job or a killed worker must not strand a row).
cron.register(reannounce_commands, COMMANDS, interval=10, job_timeout=60, result_ttl=60)

# Every minute: send the due SMS (the dispatcher stops after 3 minutes; overlapping runs are safe).
cron.register(send_pending, DEFAULT, cron="* * * * *", job_timeout=300, result_ttl=600)

# Every minute: ask the gateways about orders whose notify is late (lost, or a gateway that
# never retries), and close the expired ones at their gateway.
cron.register(recover_orders, PAYMENTS, cron="* * * * *", job_timeout=300, result_ttl=600)

# Hourly: reconcile yesterday's bills and local meters' purchase counts for each site whose local
# time is past 10:00 (when the gateways publish), each (site, channel, day) until it is done.
cron.register(reconcile_yesterday, PAYMENTS, cron="7 * * * *", job_timeout=1800, result_ttl=86400)
