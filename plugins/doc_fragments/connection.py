# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Connection options shared by every module; the argspec is CONNECTION_ARGSPEC in module_utils/_common.py.
    # ca_path is in each platform's fragment, with the platform's own environment variable.
    DOCUMENTATION = r"""
options:
  validate_certs:
    description:
      - Verify the platform's TLS certificate.
      - Leave this on and point O(ca_path) at a private CA instead; V(false) is for lab systems only.
      - The E(APIOPS_VALIDATE_CERTS) environment variable is used when this option is not set.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for the platform's answer to each request, once connected (the read timeout).
      - The E(APIOPS_REQUEST_TIMEOUT) environment variable is used when this option is not set.
    type: float
    default: 30
  connect_timeout:
    description:
      - Seconds to wait for the connection to the platform (TCP and TLS set-up), for each request.
      - A login that gets no answer (a connection that times out or is refused, or no answer within O(request_timeout))
        is sent once more at most, and its failure fails every other credential of that platform endpoint in the same
        run at once, with the same message.
      - The E(APIOPS_CONNECT_TIMEOUT) environment variable is used when this option is not set.
    type: float
    default: 10
  retries:
    description:
      - How many times a request is retried after HTTP 429, 502, 503 or 504 or a lost connection,
        with jittered exponential backoff that honours C(Retry-After).
      - A login that gets no answer at all is retried once at most, whatever this says.
      - A request that may have changed something (a create, a secret change) is only sent again after the
        module has re-read the platform and found that it did not take effect.
      - The E(APIOPS_RETRIES) environment variable is used when this option is not set.
    type: int
    default: 5
notes:
  - Proxies are taken from the environment (E(https_proxy), E(http_proxy), E(no_proxy)).
"""
