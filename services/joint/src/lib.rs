//! govhall-joint
