"""The ePS2 locker agent (runs on the locker's controller), its simulator and provisioning."""
