"""The simulated settlement bank: accounts, virtual sub-accounts and transfers, with payment notifications.

It stands in for the bank that holds a trading centre's deposit account (投标保证金专户). The platform talks to
it through `service`: open accounts, pay, and receive a notification for every payment into a sub-account.
"""
