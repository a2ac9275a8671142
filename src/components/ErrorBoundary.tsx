import { Component, type ReactNode } from "react";

/** Contains a failing part of the page; the rest keeps working. Never shows raw error text. */
export class ErrorBoundary extends Component<{ label: string; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div role="alert" className="error-box">
        <p>The {this.props.label} could not be shown.</p>
        <button type="button" onClick={() => this.setState({ failed: false })}>
          Try again
        </button>
      </div>
    );
  }
}
